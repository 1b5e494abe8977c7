/* The payload of an SM-SR job: "key=value" lines (values without line breaks), so a job
 * read back after a restart still knows what to do and whom to answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "smsr/smsr_int.h"

/* senddata: the largest sealed Data (64 KiB, smsr_es3_senddata.c, + IV, padding, tag) */
#define DATA_MAX (64u * 1024u + 48u)

void smsr_job_init(smsr_job *j)
{
	memset(j, 0, sizeof *j);
	j->fn = -1;
	m2m_buf_init(&j->es8);
}

void smsr_job_for_call(smsr_job *j, const m2m_ws_call *call, bool answer_by_fn,
		       const m2m_ws_deferred *d, const m2m_ws_hold *hold)
{
	if (answer_by_fn)
		j->fn = (int)call->fn->id;
	snprintf(j->caller, sizeof j->caller, "%s", call->caller->id);
	j->role = call->caller->role;
	if (call->function_call_id != NULL)
		snprintf(j->call_id, sizeof j->call_id, "%s", call->function_call_id);
	/* A held call is answered on its own exchange, in the binding it came in. */
	j->binding = hold != NULL ? (int)call->binding : (int)d->binding;
	snprintf(j->reply_to, sizeof j->reply_to, "%s", d->reply_to ? d->reply_to : "");
	snprintf(j->relates_to, sizeof j->relates_to, "%s", d->relates_to ? d->relates_to : "");
}

void smsr_job_for_profile(smsr_job *j, const m2m_ws_call *call, const m2m_store_profile *p,
			  const m2m_ws_deferred *d, const m2m_ws_hold *hold)
{
	smsr_job_init(j);
	snprintf(j->aid, sizeof j->aid, "%s", p->isdp_aid);
	snprintf(j->iccid, sizeof j->iccid, "%s", p->iccid);
	smsr_job_for_call(j, call, true, d, hold);
}

void smsr_job_clear(smsr_job *j)
{
	if (j->es8.data != NULL)
		m2m_wipe(j->es8.data, j->es8.len);
	m2m_buf_free(&j->es8);
}

static m2m_err put(m2m_buf *out, const char *k, const char *v)
{
	m2m_err err;

	if (v[0] == '\0')
		return M2M_OK;
	if (strpbrk(v, "\r\n") != NULL)
		return M2M_ERR_ARG;
	if ((err = m2m_buf_append(out, k, strlen(k))) || (err = m2m_buf_append_u8(out, '=')) ||
	    (err = m2m_buf_append(out, v, strlen(v))) || (err = m2m_buf_append_u8(out, '\n')))
		return err;
	return M2M_OK;
}

/* senddata: es8=<hex> route=<n> (nothing for the other kinds). */
static m2m_err put_data(m2m_buf *out, const smsr_job *j)
{
	char route[16];
	m2m_err err;

	if (j->es8.len == 0)
		return M2M_OK;
	snprintf(route, sizeof route, "%d", j->route);
	if ((err = m2m_buf_append(out, "es8=", 4)) ||
	    (err = m2m_hex_append(out, j->es8.data, j->es8.len)) ||
	    (err = m2m_buf_append_u8(out, '\n')) || (err = put(out, "route", route)))
		return err;
	return M2M_OK;
}

m2m_err smsr_job_encode(const smsr_job *j, m2m_buf *out)
{
	char seq[16], fn[16], role[16], binding[16], mem[16];
	m2m_err err;

	snprintf(seq, sizeof seq, "%u", j->seq);
	snprintf(fn, sizeof fn, "%d", j->fn);
	snprintf(role, sizeof role, "%d", j->role);
	snprintf(binding, sizeof binding, "%d", j->binding);
	snprintf(mem, sizeof mem, "%u", (unsigned)j->mem);
	if ((err = put(out, "aid", j->aid)) || (err = put(out, "iccid", j->iccid)) ||
	    (err = put(out, "seq", seq)) || (err = put(out, "fn", fn)) ||
	    (err = put(out, "caller", j->caller)) || (err = put(out, "role", role)) ||
	    (err = put(out, "call_id", j->call_id)) || (err = put(out, "binding", binding)) ||
	    (err = put(out, "reply_to", j->reply_to)) ||
	    (err = put(out, "relates_to", j->relates_to)) ||
	    (j->mem != 0 && (err = put(out, "mem", mem))) || (err = put(out, "data", j->data)) ||
	    (err = put_data(out, j)) || (j->more && (err = put(out, "more", "1"))) ||
	    (j->ucp && (err = put(out, "ucp", "1"))))
		return err;
	return M2M_OK;
}

static m2m_err set_data(m2m_buf *dst, const char *v, size_t n)
{
	char *hex;
	m2m_err err;

	if (n == 0 || n % 2 != 0 || n > 2 * DATA_MAX || dst->len != 0)
		return M2M_ERR_FORMAT;
	hex = malloc(n + 1);
	if (hex == NULL)
		return M2M_ERR_NOMEM;
	memcpy(hex, v, n);
	hex[n] = '\0';
	err = m2m_hex_decode_buf(hex, dst);
	m2m_wipe(hex, n);
	free(hex);
	return err == M2M_OK ? M2M_OK : M2M_ERR_FORMAT;
}

static m2m_err set(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		return M2M_ERR_FORMAT;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return M2M_OK;
}

static m2m_err set_int(int *dst, const char *v, size_t n)
{
	char tmp[16], *end;
	long x;

	if (n == 0 || n >= sizeof tmp)
		return M2M_ERR_FORMAT;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	x = strtol(tmp, &end, 10);
	if (*end != '\0' || x < -1 || x > 0xFFFFFF)
		return M2M_ERR_FORMAT;
	*dst = (int)x;
	return M2M_OK;
}

/* create_isdp: RequiredMemory, 1 to 4294967295 decimal digits. */
static m2m_err set_u32(uint32_t *dst, const char *v, size_t n)
{
	uint64_t x = 0;

	if (n == 0 || n > 10)
		return M2M_ERR_FORMAT;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return M2M_ERR_FORMAT;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > UINT32_MAX)
		return M2M_ERR_FORMAT;
	*dst = (uint32_t)x;
	return M2M_OK;
}

static m2m_err field(smsr_job *j, const char *k, size_t kn, const char *v, size_t vn)
{
	int x = 0;
	m2m_err err;

#define IS(name) (kn == strlen(name) && memcmp(k, name, kn) == 0)
	if (IS("aid"))
		return set(j->aid, sizeof j->aid, v, vn);
	if (IS("iccid"))
		return set(j->iccid, sizeof j->iccid, v, vn);
	if (IS("caller"))
		return set(j->caller, sizeof j->caller, v, vn);
	if (IS("call_id"))
		return set(j->call_id, sizeof j->call_id, v, vn);
	if (IS("reply_to"))
		return set(j->reply_to, sizeof j->reply_to, v, vn);
	if (IS("relates_to"))
		return set(j->relates_to, sizeof j->relates_to, v, vn);
	if (IS("mem"))
		return set_u32(&j->mem, v, vn);
	if (IS("data"))
		return set(j->data, sizeof j->data, v, vn);
	if (IS("es8"))
		return set_data(&j->es8, v, vn);
	if ((err = set_int(&x, v, vn)) != M2M_OK)
		return err;
	if (IS("seq") && x >= 0 && x <= 0xFFFF)
		j->seq = (unsigned)x;
	else if (IS("fn") && x < M2M_WS_FN__COUNT)
		j->fn = x;
	else if (IS("role") && x >= 0)
		j->role = x;
	else if (IS("binding") && (x == M2M_WS_SOAP || x == M2M_WS_JSON))
		j->binding = x;
	else if (IS("route") && x >= SMSR_ROUTE_ISDR && x <= SMSR_ROUTE_SCP03T)
		j->route = x;
	else if (IS("more") && x == 1)
		j->more = true;
	else if (IS("ucp") && x == 1)
		j->ucp = true;
	else
		return M2M_ERR_FORMAT;
#undef IS
	return M2M_OK;
}

m2m_err smsr_job_decode(const uint8_t *p, size_t n, smsr_job *j)
{
	const char *s = (const char *)p, *end = s + n;
	m2m_err err;

	smsr_job_init(j);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eq;

		eq = nl != NULL ? memchr(s, '=', (size_t)(nl - s)) : NULL;
		if (eq == NULL) {
			smsr_job_clear(j);
			return M2M_ERR_FORMAT;
		}
		if ((err = field(j, s, (size_t)(eq - s), eq + 1, (size_t)(nl - eq - 1))) != M2M_OK) {
			smsr_job_clear(j);
			return err;
		}
		s = nl + 1;
	}
	return M2M_OK;
}

m2m_err smsr_job_queue(m2m_store *st, const char *eid, const char *kind, const smsr_job *j,
		       int64_t deadline_ms, int64_t *id)
{
	m2m_store_job job;
	m2m_buf b;
	int64_t now = m2m_store_now_ms(), unused;
	m2m_err err;

	if (id == NULL)
		id = &unused;
	memset(&job, 0, sizeof job);
	m2m_buf_init(&b);
	if ((err = smsr_job_encode(j, &b)) != M2M_OK)
		goto out;
	snprintf(job.eid, sizeof job.eid, "%s", eid);
	snprintf(job.kind, sizeof job.kind, "%s", kind);
	snprintf(job.call_id, sizeof job.call_id, "%s", j->call_id);
	job.next_attempt_ms = now;
	job.deadline_ms = deadline_ms;
	job.payload = b.data;
	job.payload_len = b.len;
	err = m2m_store_job_add(st, &job, now, id);
out:
	m2m_buf_free(&b);
	return err;
}
