/* The device's view of the eUICC: one C-APDU on the enabled profile's file tree. READ /
 * UPDATE BINARY and RECORD here, SELECT and STATUS in uicc_select.c (TS 102 221 11.1). RFM
 * (mno_rfm.c) runs the same commands in its own selection. Updates are kept over the
 * package (uicc_keep.c), so they survive a reload and a profile switch. */
#include <string.h>

#include "euicc/isdp_int.h"
#include "euicc/uicc.h"

#define MODE_NEXT 0x02
#define MODE_PREV 0x03
#define MODE_ABS 0x04

/* The package that keeps updates of the tree, NULL when none is tied to the command. */
static m2m_euicc_pkg *keeper(const euicc_ucmd *c)
{
	return c->e != NULL && c->idx >= 0 ? euicc_pkg_of(c->e, c->idx) : NULL;
}

/* A full record list refuses the update before anything changes (memory problem). */
static bool keep_fits(const euicc_ucmd *c, const m2m_saip_fs_node *ef)
{
	const m2m_euicc_pkg *k = keeper(c);

	return k == NULL || euicc_fsx_fits(k, ef);
}

static uint16_t keep(euicc_ucmd *c, const m2m_saip_fs_node *ef)
{
	m2m_euicc_pkg *k = keeper(c);

	if (k == NULL)
		return SW_OK;
	c->err = euicc_fsx_record(k, ef);
	if (c->err != M2M_OK)
		return SW_INTERNAL;
	if (c->ev != NULL)
		c->ev->state_changed = true;
	return SW_OK;
}

/* P1 b8 set: SFI in P1 b5-b1, offset P2; else a 15-bit offset. */
static m2m_saip_fs_node *binary_ef(euicc_ucmd *c, size_t *off, uint16_t *sw)
{
	const euicc_apdu *a = c->a;
	m2m_saip_fs_node *n;

	if (a->p1 & 0x80) {
		*off = a->p2;
		if (a->p1 & 0x60) {
			*sw = SW_WRONG_P1P2;
			return NULL;
		}
		n = euicc_uicc_ef(c->u, a->p1 & 0x1F, sw);
	} else {
		*off = (size_t)a->p1 << 8 | a->p2;
		n = euicc_uicc_ef(c->u, 0, sw);
	}
	/* A link EF has its target's structure. */
	if (n != NULL && m2m_saip_fs_target(n)->a.structure != M2M_SAIP_FS_TRANSPARENT) {
		*sw = SW_STRUCTURE;
		return NULL;
	}
	return n;
}

static uint16_t read_binary(euicc_ucmd *c)
{
	uint8_t buf[256];
	size_t off, size, n;
	uint16_t sw;
	const m2m_saip_fs_node *ef = binary_ef(c, &off, &sw);

	if (ef == NULL)
		return sw;
	size = m2m_saip_fs_target(ef)->a.size;
	if (off >= size)
		return SW_WRONG_OFFSET;
	/* Le 00 (or absent) reads what is there, up to 256 bytes; a larger explicit Le gets
	 * the rest of the file and 6282. */
	n = c->le == 0 ? 256 : c->le;
	sw = n > size - off && c->le != 256 && c->le != 0 ? SW_EOF : SW_OK;
	if (n > size - off)
		n = size - off;
	if (m2m_saip_fs_read_binary(ef, off, buf, n) != M2M_OK)
		return SW_INTERNAL;
	c->err = m2m_buf_append(c->resp, buf, n);
	return c->err == M2M_OK ? sw : SW_INTERNAL;
}

static uint16_t update_binary(euicc_ucmd *c)
{
	size_t off, size;
	uint16_t sw;
	m2m_saip_fs_node *ef = binary_ef(c, &off, &sw);

	if (ef == NULL)
		return sw;
	size = m2m_saip_fs_target(ef)->a.size;
	if (off >= size)
		return SW_WRONG_OFFSET;
	if (c->a->len == 0 || c->a->len > size - off)
		return SW_WRONG_LENGTH;
	if (!keep_fits(c, ef))
		return SW_MEMORY;
	if (m2m_saip_fs_update_binary(ef, off, c->a->data, c->a->len) != M2M_OK)
		return SW_INTERNAL;
	return keep(c, ef);
}

/* The record P1/P2 address (absolute, next, previous) in a record EF. */
static m2m_saip_fs_node *record_ef(euicc_ucmd *c, size_t *rec, uint16_t *sw)
{
	const euicc_apdu *a = c->a;
	uint8_t mode = a->p2 & 0x07;
	m2m_saip_fs_node *n = euicc_uicc_ef(c->u, a->p2 >> 3, sw);
	size_t count, cur = c->u->rec;
	m2m_saip_fs_struct structure;
	bool cyclic;

	if (n == NULL)
		return NULL;
	*sw = SW_STRUCTURE;
	structure = m2m_saip_fs_target(n)->a.structure;
	if (structure != M2M_SAIP_FS_LINEAR && structure != M2M_SAIP_FS_CYCLIC)
		return NULL;
	cyclic = structure == M2M_SAIP_FS_CYCLIC;
	count = m2m_saip_fs_target(n)->a.rec_count;
	*sw = SW_WRONG_P1P2;
	if (mode == MODE_ABS)
		*rec = a->p1 != 0 ? a->p1 : cur;
	else if (mode == MODE_NEXT && a->p1 == 0)
		*rec = cur >= count ? (cyclic ? 1 : count + 1) : cur + 1;
	else if (mode == MODE_PREV && a->p1 == 0)
		*rec = cur <= 1 ? (cyclic || cur == 0 ? count : 0) : cur - 1;
	else
		return NULL;
	*sw = SW_RECORD_NOT_FOUND;
	return *rec >= 1 && *rec <= count ? n : NULL;
}

static uint16_t read_record(euicc_ucmd *c)
{
	uint8_t buf[256];
	size_t rec = 0, len;
	uint16_t sw;
	const m2m_saip_fs_node *ef = record_ef(c, &rec, &sw);

	if (ef == NULL)
		return sw;
	len = m2m_saip_fs_target(ef)->a.rec_len;
	if (len > sizeof buf)
		return SW_INTERNAL;
	if (c->le != 0 && c->le != 256 && c->le != len)
		return (uint16_t)(SW_LE | (len & 0xFF)); /* 6Cxx: the record length */
	if (m2m_saip_fs_read_record(ef, rec, buf, len) != M2M_OK)
		return SW_INTERNAL;
	c->u->rec = rec;
	c->err = m2m_buf_append(c->resp, buf, len);
	return c->err == M2M_OK ? SW_OK : SW_INTERNAL;
}

static uint16_t update_record(euicc_ucmd *c)
{
	size_t rec = 0;
	uint16_t sw;
	m2m_saip_fs_node *ef = record_ef(c, &rec, &sw);
	m2m_err err;

	if (ef == NULL)
		return sw;
	if (c->a->len != m2m_saip_fs_target(ef)->a.rec_len)
		return SW_WRONG_LENGTH;
	if (!keep_fits(c, ef))
		return SW_MEMORY;
	/* A cyclic EF is written with PREVIOUS: the oldest record becomes record 1. */
	if (m2m_saip_fs_target(ef)->a.structure == M2M_SAIP_FS_CYCLIC &&
	    (c->a->p2 & 0x07) == MODE_PREV) {
		err = m2m_saip_fs_cyclic_push(ef, c->a->data, c->a->len);
		rec = 1;
	} else {
		err = m2m_saip_fs_update_record(ef, rec, c->a->data, c->a->len);
	}
	if (err != M2M_OK)
		return SW_INTERNAL;
	c->u->rec = rec;
	return keep(c, ef);
}

uint16_t euicc_uicc_exec(euicc_ucmd *c)
{
	uint8_t cla = c->a->cla, ins = c->a->ins;

	if ((cla & 0x03) != 0)
		return SW_NO_CHANNEL;
	if (cla == 0x80 && ins == 0xF2)
		return euicc_uicc_status(c);
	if (cla != 0x00)
		return SW_CLA;
	/* A file command needs a file system (an enabled profile with a package). */
	if (c->u->fs == NULL && (ins == 0xB0 || ins == 0xD6 || ins == 0xB2 || ins == 0xDC))
		return SW_NO_EF;
	switch (ins) {
	case 0xA4:
		return euicc_uicc_select(c);
	case 0xB0:
		return read_binary(c);
	case 0xD6:
		return update_binary(c);
	case 0xB2:
		return read_record(c);
	case 0xDC:
		return update_record(c);
	default:
		return SW_INS;
	}
}

m2m_err m2m_euicc_uicc_apdu_ev(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
			      m2m_euicc_events *ev)
{
	euicc_uicc *u;
	euicc_apdu a;
	euicc_ucmd c = {0};
	size_t start;
	uint16_t sw;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || rapdu == NULL || (capdu == NULL && n > 0))
		goto out;
	start = rapdu->len;
	err = M2M_ERR_NOMEM;
	u = euicc_uicc_tree(e);
	if (u == NULL)
		goto out;
	c.u = &u->sel;
	c.a = &a;
	c.resp = rapdu;
	c.e = e;
	c.idx = u->built ? u->idx : -1;
	c.ev = ev;
	sw = euicc_apdu_short(capdu, n, &a, &c.le) ? euicc_uicc_exec(&c) : SW_WRONG_LENGTH;
	if (sw != SW_OK && sw != SW_EOF)
		rapdu->len = start; /* an error status word carries no data */
	err = c.err != M2M_OK ? c.err : euicc_sw(rapdu, sw);
out:
	return err;
}

m2m_err m2m_euicc_uicc_apdu(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu)
{
	return m2m_euicc_uicc_apdu_ev(e, capdu, n, rapdu, NULL);
}
