/* A whole package in memory: the elements in order, decoded from or encoded to one buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saip/saip.h"

void m2m_saip_pkg_init(m2m_saip_pkg *pkg)
{
	memset(pkg, 0, sizeof *pkg);
}

void m2m_saip_pkg_free(m2m_saip_pkg *pkg)
{
	if (pkg == NULL)
		return;
	for (size_t i = 0; i < pkg->count; i++)
		m2m_saip_pe_free(pkg->el[i].pe);
	free(pkg->el);
	m2m_saip_pkg_init(pkg);
}

void m2m_saip_pkg_abandon(m2m_saip_pkg *pkg)
{
	if (pkg == NULL)
		return;
	for (size_t i = 0; i < pkg->count; i++)
		m2m_saip_pe_abandon(pkg->el[i].pe);
	free(pkg->el);
	m2m_saip_pkg_init(pkg);
}

static m2m_err grow(m2m_saip_pkg *pkg)
{
	m2m_err rc = M2M_OK;
	if (pkg->count == pkg->cap) {
		size_t cap = pkg->cap ? pkg->cap * 2 : 32;
		m2m_saip_element *el = realloc(pkg->el, cap * sizeof *el);
		rc = M2M_ERR_NOMEM;
		if (el != NULL) {
			pkg->el = el;
			pkg->cap = cap;
			rc = M2M_OK;
		}
	}
	return rc;
}

m2m_err m2m_saip_pkg_append(m2m_saip_pkg *pkg, ProfileElement_t *pe, size_t offset, size_t len)
{
	m2m_err rc = M2M_ERR_ARG;
	if (pkg == NULL || pe == NULL)
		goto out;
	rc = grow(pkg);
	if (rc == M2M_OK) {
		pkg->el[pkg->count++] = (m2m_saip_element){pe, offset, len};
		pe = NULL;
	}
out:
	/* Ownership was taken: an element that cannot be stored is freed, not leaked. */
	m2m_saip_pe_free(pe);
	return rc;
}

m2m_err m2m_saip_decode(const uint8_t *der, size_t len, m2m_saip_pkg *pkg, m2m_saip_error *err)
{
	m2m_err rc = M2M_ERR_ARG;
	size_t pos = 0;
	if (err != NULL)
		memset(err, 0, sizeof *err);
	if (pkg == NULL || (der == NULL && len > 0))
		goto out;
	rc = M2M_OK;
	if (len == 0) {
		rc = M2M_ERR_FORMAT;
		m2m_saip_error_set(err, "", "empty package");
		goto out;
	}
	while (pos < len && rc == M2M_OK) {
		ProfileElement_t *pe = NULL;
		size_t used = 0;
		rc = m2m_saip_pe_decode(der + pos, len - pos, &pe, &used, err);
		if (rc == M2M_OK)
			rc = m2m_saip_pkg_append(pkg, pe, pos, used);
		if (rc != M2M_OK && err != NULL) {
			err->index = pkg->count;
			err->offset = pos;
		}
		pos += used;
	}
out:
	return rc;
}

m2m_err m2m_saip_encode(const m2m_saip_pkg *pkg, m2m_buf *out)
{
	m2m_err rc = (pkg == NULL || out == NULL) ? M2M_ERR_ARG : M2M_OK;
	for (size_t i = 0; rc == M2M_OK && i < pkg->count; i++)
		rc = m2m_saip_pe_encode(pkg->el[i].pe, out);
	return rc;
}

m2m_err m2m_saip_read_file(const char *path, m2m_buf *out)
{
	m2m_err rc = M2M_ERR_IO;
	FILE *f = path != NULL ? fopen(path, "rb") : NULL;
	uint8_t chunk[8192];
	size_t n;
	if (f == NULL)
		goto out;
	rc = M2M_OK;
	while (rc == M2M_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		/* A bound, so a device file or a huge file cannot exhaust memory. */
		if (out->len + n > M2M_SAIP_FILE_MAX)
			rc = M2M_ERR_IO;
		else
			rc = m2m_buf_append(out, chunk, n);
	}
	if (rc == M2M_OK && ferror(f))
		rc = M2M_ERR_IO;
out:
	if (f != NULL)
		fclose(f);
	return rc;
}
