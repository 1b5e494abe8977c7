/* The statement runner over a driver: one statement at a time, rows copied out by column. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

m2m_err m2m_q_run(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n)
{
	if (n > M2M_SV_MAX_ARGS)
		return m2m_store_fail(st, M2M_ERR_ARG, "too many statement parameters");
	return st->drv->run(st, id, args, n);
}

m2m_err m2m_q_next(m2m_store *st)
{
	return st->drv->next(st);
}

void m2m_q_done(m2m_store *st)
{
	st->drv->done(st);
}

m2m_err m2m_q_exec(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n, int64_t *changes)
{
	m2m_err rc = m2m_q_run(st, id, args, n);

	if (rc != M2M_OK)
		return rc;
	while ((rc = m2m_q_next(st)) == M2M_OK)
		;
	if (rc == M2M_END) {
		rc = M2M_OK;
		if (changes != NULL)
			*changes = st->drv->changes(st);
	}
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_q_first(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n)
{
	m2m_err rc = m2m_q_run(st, id, args, n);

	if (rc != M2M_OK)
		return rc;
	rc = m2m_q_next(st);
	if (rc != M2M_OK)
		m2m_q_done(st);
	return rc;
}

bool m2m_q_null(m2m_store *st, int col)
{
	return st->drv->col_null(st, col);
}

int64_t m2m_q_int(m2m_store *st, int col)
{
	return st->drv->col_null(st, col) ? 0 : st->drv->col_int(st, col);
}

m2m_err m2m_q_text(m2m_store *st, int col, char *dst, size_t cap)
{
	const char *s = st->drv->col_text(st, col);
	size_t n = s != NULL ? strlen(s) : 0;

	if (n >= cap)
		return m2m_store_fail(st, M2M_ERR_FORMAT,
				      "a stored text (column %d) is longer than %zu characters", col,
				      cap - 1);
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
	return M2M_OK;
}

m2m_err m2m_q_text_dup(m2m_store *st, int col, char **p)
{
	const char *s = st->drv->col_text(st, col);

	*p = NULL;
	if (s == NULL)
		return M2M_OK;
	*p = strdup(s);
	return *p != NULL ? M2M_OK : m2m_store_fail(st, M2M_ERR_NOMEM, "out of memory");
}

const uint8_t *m2m_q_blob(m2m_store *st, int col, size_t *n)
{
	*n = 0;
	if (st->drv->col_null(st, col))
		return NULL;
	return st->drv->col_blob(st, col, n);
}

m2m_err m2m_q_blob_dup(m2m_store *st, int col, uint8_t **p, size_t *n)
{
	size_t len = 0;
	const uint8_t *b = m2m_q_blob(st, col, &len);

	*p = NULL;
	*n = 0;
	if (b == NULL)
		return M2M_OK;
	/* One spare byte so that an empty blob still gets a non-NULL pointer. */
	*p = malloc(len + 1);
	if (*p == NULL)
		return m2m_store_fail(st, M2M_ERR_NOMEM, "out of memory");
	if (len > 0)
		memcpy(*p, b, len);
	*n = len;
	return M2M_OK;
}
