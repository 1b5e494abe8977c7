/* Failure records of the ES8 session, key wiping, and the per-command chaining snapshots. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smdp/es8_int.h"

const char *m2m_es8_step_name(m2m_es8_step step)
{
	switch (step) {
	case M2M_ES8_STEP_KEYEST_CERT:
		return "key establishment (STORE DATA 3A01)";
	case M2M_ES8_STEP_KEYEST_EPK:
		return "key establishment (STORE DATA 3A02)";
	case M2M_ES8_STEP_INIT_UPDATE:
		return "SCP03t INITIALIZE UPDATE";
	case M2M_ES8_STEP_EXT_AUTH:
		return "SCP03t EXTERNAL AUTHENTICATE";
	case M2M_ES8_STEP_SEGMENT:
		return "SCP03t segment";
	case M2M_ES8_STEP_DONE:
		return "done";
	}
	return "unknown";
}

void m2m_es8_keyset_wipe(m2m_es8_keyset *k)
{
	if (k != NULL)
		m2m_wipe(k, sizeof *k);
}

void m2m_es8_wipe_keys(m2m_es8_session *s)
{
	m2m_keyest_host_wipe(&s->ke);
	m2m_scp03t_host_wipe(&s->host);
	m2m_es8_keyset_wipe(&s->keys);
	s->have_keys = false;
	m2m_buf_free(&s->ea);
	if (s->cmds != NULL)
		m2m_wipe(s->cmds, s->cmds_cap * sizeof *s->cmds);
	s->ncmds = 0;
}

m2m_err m2m_es8_fail(m2m_es8_session *s, m2m_es8_step step, m2m_err err, const char *subject,
		     const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return s->fail.err;
	s->failed = true;
	s->waiting = false;
	s->fail.step = step;
	s->fail.err = err == M2M_OK ? M2M_ERR_STATE : err;
	s->fail.subject = subject;
	s->fail.reason = reason;
	va_start(ap, fmt);
	vsnprintf(s->fail.message, sizeof s->fail.message, fmt, ap);
	va_end(ap);
	m2m_es8_wipe_keys(s);
	return s->fail.err;
}

m2m_err m2m_es8_cmd_add(m2m_es8_session *s, uint8_t tag, size_t seg)
{
	m2m_es8_cmd *c;

	if (s->ncmds == s->cmds_cap) {
		size_t cap = s->cmds_cap == 0 ? 16 : s->cmds_cap * 2;
		c = calloc(cap, sizeof *c);
		if (c == NULL)
			return M2M_ERR_NOMEM;
		if (s->cmds != NULL) {
			memcpy(c, s->cmds, s->ncmds * sizeof *c);
			m2m_wipe(s->cmds, s->cmds_cap * sizeof *s->cmds);
			free(s->cmds);
		}
		s->cmds = c;
		s->cmds_cap = cap;
	}
	c = &s->cmds[s->ncmds++];
	memset(c, 0, sizeof *c);
	c->tag = tag;
	c->seg = seg;
	memcpy(c->mcv, s->host.sc.mcv, sizeof c->mcv);
	c->counter = s->host.sc.counter;
	return M2M_OK;
}
