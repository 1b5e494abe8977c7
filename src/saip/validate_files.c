/*
 * File sizes versus contents: the bytes a file's fillFileContent/fillFileOffset sequence
 * reaches must fit in the size its file descriptor gives (efFileSize). Files whose size comes
 * from the template (no efFileSize in the package) are not checked.
 */
#include <stdio.h>

#include "FileManagement.h"
#include "PE-GenericFileManagement.h"
#include "saip/validate_int.h"

#define SIZE_UNKNOWN ((size_t)-1)

typedef struct {
	size_t size; /* SIZE_UNKNOWN when the package does not give it */
	size_t pos;  /* current fill position */
	size_t end;  /* furthest byte written */
} fill_state;

static size_t fcp_size(const Fcp_t *fcp)
{
	size_t n = 0;

	if (fcp->efFileSize == NULL || fcp->efFileSize->size == 0 || fcp->efFileSize->size > 4)
		return SIZE_UNKNOWN;
	for (int i = 0; i < fcp->efFileSize->size; i++)
		n = (n << 8) | fcp->efFileSize->buf[i];
	return n;
}

static void fill_start(fill_state *s, size_t size)
{
	s->size = size;
	s->pos = 0;
	s->end = 0;
}

static void fill_offset(fill_state *s, long off)
{
	s->pos += off > 0 ? (size_t)off : 0;
}

static void fill_content(fill_state *s, const OCTET_STRING_t *c)
{
	s->pos += (size_t)c->size;
	if (s->pos > s->end)
		s->end = s->pos;
}

static void fill_report(m2m_saip_vctx *v, size_t index, const char *name, const fill_state *s)
{
	if (s->size != SIZE_UNKNOWN && s->end > s->size)
		m2m_saip_vreport(v, index, "file-size",
				 "%s: content reaches %zu bytes, the file has %zu", name, s->end,
				 s->size);
}

static void check_file(m2m_saip_vctx *v, size_t index, const char *name, const File_t *f)
{
	fill_state s;

	fill_start(&s, SIZE_UNKNOWN);
	for (int i = 0; i < f->list.count; i++) {
		const struct File__Member *m = f->list.array[i];

		if (m->present == File__Member_PR_fileDescriptor)
			s.size = fcp_size(&m->choice.fileDescriptor);
		else if (m->present == File__Member_PR_fillFileOffset)
			fill_offset(&s, m->choice.fillFileOffset);
		else if (m->present == File__Member_PR_fillFileContent)
			fill_content(&s, &m->choice.fillFileContent);
	}
	fill_report(v, index, name, &s);
}

/* One command list of a genericFileManagement: each createFCP or filePath starts a file. */
static void check_gfm_cmd(m2m_saip_vctx *v, size_t index, int cmd, const FileManagement_t *fm)
{
	fill_state s;
	char name[48];
	int file = 0;

	fill_start(&s, SIZE_UNKNOWN);
	for (int i = 0; i < fm->list.count; i++) {
		const struct FileManagement__Member *m = fm->list.array[i];

		if (m->present == FileManagement__Member_PR_createFCP ||
		    m->present == FileManagement__Member_PR_filePath) {
			snprintf(name, sizeof(name), "command %d file %d", cmd + 1, file);
			fill_report(v, index, name, &s);
			file++;
			fill_start(&s, m->present == FileManagement__Member_PR_createFCP
					       ? fcp_size(&m->choice.createFCP)
					       : SIZE_UNKNOWN);
		} else if (m->present == FileManagement__Member_PR_fillFileOffset) {
			fill_offset(&s, m->choice.fillFileOffset);
		} else if (m->present == FileManagement__Member_PR_fillFileContent) {
			fill_content(&s, &m->choice.fillFileContent);
		}
	}
	snprintf(name, sizeof(name), "command %d file %d", cmd + 1, file);
	fill_report(v, index, name, &s);
}

/* Every File member of the element, found through the asn1c descriptors. */
static void check_pe_files(m2m_saip_vctx *v, size_t index, const ProfileElement_t *pe)
{
	const asn_TYPE_member_t *m = &asn_DEF_ProfileElement.elements[pe->present - 1];
	const char *base = (const char *)pe + m->memb_offset;

	if (m->flags & ATF_POINTER)
		return;
	for (int j = 0; j < (int)m->type->elements_count; j++) {
		const asn_TYPE_member_t *e = &m->type->elements[j];
		const void *p = base + e->memb_offset;

		if (e->type != &asn_DEF_File)
			continue;
		if (e->flags & ATF_POINTER)
			p = *(const void *const *)p;
		if (p != NULL)
			check_file(v, index, e->name, p);
	}
}

void m2m_saip_vrule_file_sizes(m2m_saip_vctx *v)
{
	for (size_t i = 0; i < v->pkg->count; i++) {
		const ProfileElement_t *pe = v->pkg->el[i].pe;

		if (pe->present <= ProfileElement_PR_NOTHING ||
		    (int)pe->present > (int)asn_DEF_ProfileElement.elements_count)
			continue;
		if (pe->present == ProfileElement_PR_genericFileManagement) {
			const PE_GenericFileManagement_t *g = &pe->choice.genericFileManagement;

			for (int c = 0; c < g->fileManagementCMD.list.count; c++)
				check_gfm_cmd(v, i, c, g->fileManagementCMD.list.array[c]);
		} else {
			check_pe_files(v, i, pe);
		}
	}
}
