/* The eUICC front end speaks raw HTTP/1.1 (card/scp81.h); libcurl wants a URL, header lines
 * and a body. These two conversions sit between them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "card/scp81.h"
#include "farm/farm_int.h"

static const char *find_crlfcrlf(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0)
			return (const char *)p + i;
	return NULL;
}

static bool add_header(farm_http_req *r, const char *name, size_t nl, const char *value,
		       size_t vl)
{
	char **h = realloc(r->headers, (r->n_headers + 1) * sizeof *h);
	char *line;

	if (h == NULL)
		return false;
	r->headers = h;
	if ((line = malloc(nl + vl + 3)) == NULL)
		return false;
	memcpy(line, name, nl);
	memcpy(line + nl, ": ", 2);
	memcpy(line + nl + 2, value, vl);
	line[nl + vl + 2] = '\0';
	r->headers[r->n_headers++] = line;
	return true;
}

static bool is(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

/* Header lines between the request line and the blank line; notes Host and the framing. */
static m2m_err headers(const char *p, const char *end, farm_http_req *r, const char **host,
		       size_t *host_len, bool *chunked, bool *ctype)
{
	while (p < end) {
		const char *eol = strstr(p, "\r\n"), *colon, *v;
		size_t nl, vl;

		if (eol == NULL || eol > end)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL)
			return M2M_ERR_FORMAT;
		nl = (size_t)(colon - p);
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		vl = (size_t)(eol - v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (is(p, nl, "Host")) {
			*host = v;
			*host_len = vl;
		}
		if (is(p, nl, "Transfer-Encoding"))
			*chunked = vl == 7 && strncasecmp(v, "chunked", 7) == 0;
		if (is(p, nl, "Content-Type"))
			*ctype = true;
		/* libcurl frames the body and the connection itself. */
		if (!is(p, nl, "Transfer-Encoding") && !is(p, nl, "Content-Length") &&
		    !is(p, nl, "Connection") && !add_header(r, p, nl, v, vl))
			return M2M_ERR_NOMEM;
		p = eol + 2;
	}
	return M2M_OK;
}

m2m_err farm_http_req_from_raw(const uint8_t *raw, size_t n, const char *connect, bool tls,
			       farm_http_req *r)
{
	const char *head_end = find_crlfcrlf(raw, n), *line_end, *uri, *sp, *host = NULL;
	size_t host_len = 0, used = 0;
	bool chunked = false, ctype = false;
	char text[M2M_SCP81_HEAD_MAX + 1];
	m2m_err err;
	int w;

	memset(r, 0, sizeof *r);
	m2m_buf_init(&r->body);
	if (head_end == NULL || (size_t)(head_end - (const char *)raw) + 3 > sizeof text)
		return M2M_ERR_FORMAT;
	/* A NUL-terminated copy of the head: the string functions stay inside it. */
	memcpy(text, raw, (size_t)(head_end - (const char *)raw) + 2);
	text[head_end - (const char *)raw + 2] = '\0';
	line_end = strstr(text, "\r\n");
	if (strncmp(text, "POST ", 5) != 0 || line_end == NULL)
		return M2M_ERR_FORMAT;
	uri = text + 5;
	sp = memchr(uri, ' ', (size_t)(line_end - uri));
	if (sp == NULL || *uri != '/')
		return M2M_ERR_FORMAT;
	err = headers(line_end + 2, text + strlen(text), r, &host, &host_len, &chunked, &ctype);
	if (err == M2M_OK && !ctype && !add_header(r, "Content-Type", 12, "", 0))
		err = M2M_ERR_NOMEM;
	if (err == M2M_OK && chunked)
		err = m2m_scp81_chunked_decode((const uint8_t *)head_end + 4,
					       n - (size_t)(head_end + 4 - (const char *)raw),
					       M2M_SCP81_BODY_MAX, M2M_SCP81_CHUNKED_LENIENT_END,
					       &r->body, &used, NULL);
	if (err == M2M_OK && connect == NULL && host == NULL)
		err = M2M_ERR_FORMAT;
	if (err != M2M_OK)
		return err;
	w = snprintf(r->url, sizeof r->url, "%s://%.*s%.*s", tls ? "https" : "http",
		     connect != NULL ? (int)strlen(connect) : (int)host_len,
		     connect != NULL ? connect : host, (int)(sp - uri), uri);
	r->chunked = r->body.len > 0; /* cards post chunked bodies */
	return w > 0 && (size_t)w < sizeof r->url ? M2M_OK : M2M_ERR_BOUNDS;
}

void farm_http_req_free(farm_http_req *r)
{
	for (size_t i = 0; i < r->n_headers; i++)
		free(r->headers[i]);
	free(r->headers);
	r->headers = NULL;
	r->n_headers = 0;
	m2m_buf_free(&r->body);
}

m2m_err farm_http_resp_to_raw(const m2m_http_client_response *resp, m2m_buf *out)
{
	char line[64];
	m2m_err err;
	int n;

	n = snprintf(line, sizeof line, "HTTP/1.1 %ld %s\r\n", resp->status,
		     resp->status == 200 ? "OK" : resp->status == 204 ? "No Content" : "Status");
	err = m2m_buf_append(out, line, (size_t)n);
	for (size_t i = 0; err == M2M_OK && i < resp->n_headers; i++) {
		const m2m_http_header *h = &resp->headers[i];

		if (strcasecmp(h->name, "Transfer-Encoding") == 0 ||
		    strcasecmp(h->name, "Content-Length") == 0)
			continue;
		err = m2m_buf_append(out, h->name, strlen(h->name));
		if (err == M2M_OK)
			err = m2m_buf_append(out, ": ", 2);
		if (err == M2M_OK)
			err = m2m_buf_append(out, h->value, strlen(h->value));
		if (err == M2M_OK)
			err = m2m_buf_append(out, "\r\n", 2);
	}
	/* libcurl has undone the chunking: the body goes with its length. */
	if (err == M2M_OK && (resp->body.len > 0 || resp->status == 200)) {
		n = snprintf(line, sizeof line, "Content-Length: %zu\r\n", resp->body.len);
		err = m2m_buf_append(out, line, (size_t)n);
	}
	if (err == M2M_OK)
		err = m2m_buf_append(out, "\r\n", 2);
	if (err == M2M_OK && resp->body.len > 0)
		err = m2m_buf_append(out, resp->body.data, resp->body.len);
	return err;
}
