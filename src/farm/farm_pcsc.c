/*
 * PC/SC: one eUICC of the farm shown to vsmartcard's vpcd (docs/pcsc.md "The glue"). The
 * device is loaded at start and pinned (never evicted); vpcd's APDUs reach its card front on
 * the loop thread, like the OTA traffic, so the two never run at the same time. A file
 * update through the file system saves the device; a change of the enabled profile (REFRESH)
 * reinserts the card, and pcscd powers it up again on the new profile.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "euicc/card_front.h"
#include "euicc/uicc.h"
#include "farm/farm_int.h"
#include "net/vpcd.h"

typedef struct farm_pcsc {
	m2m_farm *farm;
	farm_dev *dev;
	m2m_card_front front;
	m2m_vpcd_client *vc;
} farm_pcsc;

static void on_power(void *arg, m2m_vpcd_ctrl what)
{
	farm_pcsc *p = arg;

	if (what == M2M_VPCD_POWER_OFF)
		m2m_card_front_power_off(&p->front);
	else
		(void)m2m_card_front_reset(&p->front, NULL);
}

static m2m_err on_atr(void *arg, m2m_buf *atr)
{
	size_t n = 0;
	const uint8_t *a = m2m_euicc_uicc_atr(&n);

	(void)arg;
	return m2m_buf_append(atr, a, n);
}

static m2m_err on_apdu(void *arg, const uint8_t *capdu, size_t n, m2m_buf *rapdu)
{
	farm_pcsc *p = arg;
	m2m_euicc_events ev;
	m2m_err err;

	memset(&ev, 0, sizeof ev);
	err = m2m_card_front_apdu_ev(&p->front, capdu, n, rapdu, &ev);
	/* An UPDATE BINARY/RECORD changed a file of the enabled profile. */
	if (ev.state_changed)
		(void)farm_dev_save(p->farm, p->dev);
	return err;
}

/* A new connection is a newly inserted card. */
static void on_link(void *arg, bool up)
{
	farm_pcsc *p = arg;

	m2m_info("farm", "%s: PC/SC card %s", p->dev->msisdn, up ? "inserted" : "removed");
	if (up)
		(void)m2m_card_front_reset(&p->front, NULL);
	else
		m2m_card_front_power_off(&p->front);
}

static const m2m_vpcd_callbacks callbacks = {on_power, on_atr, on_apdu, on_link};

m2m_err farm_pcsc_start(m2m_farm *f)
{
	farm_pcsc *p = NULL;
	char host[256];
	uint8_t eid[16];
	uint16_t port = 0;
	m2m_err err = M2M_OK;

	if (f->cfg.vpcd == NULL && f->cfg.expose == NULL)
		goto out;
	err = M2M_ERR_ARG;
	if (f->cfg.vpcd == NULL || f->cfg.expose == NULL ||
	    m2m_vpcd_parse_addr(f->cfg.vpcd, host, sizeof host, &port) != M2M_OK ||
	    strlen(f->cfg.expose) != 32 || m2m_hex_decode_exact(f->cfg.expose, eid, 16) != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	if ((p = calloc(1, sizeof *p)) == NULL)
		goto out;
	p->farm = f;
	if ((p->dev = farm_dev_by_eid(f, eid, &err)) == NULL)
		goto out;
	p->dev->exposed = true;
	m2m_card_front_init(&p->front, p->dev->e);
	err = M2M_ERR_NOMEM;
	if ((p->vc = m2m_vpcd_client_new(f->base, host, port, &callbacks, p)) == NULL)
		goto out;
	m2m_info("farm", "%s: shown to vpcd at %s:%u", p->dev->msisdn, host, (unsigned)port);
	f->pcsc = p;
	p = NULL;
	err = M2M_OK;
out:
	if (p != NULL && p->dev != NULL)
		p->dev->exposed = false;
	free(p);
	return err;
}

void farm_pcsc_refresh(m2m_farm *f, farm_dev *d)
{
	farm_pcsc *p = f->pcsc;

	if (p == NULL || p->dev != d)
		return;
	/* A device would REFRESH (UICC reset); a PC/SC tool only sees a new card. */
	m2m_card_front_refresh(&p->front);
	m2m_vpcd_client_reinsert(p->vc);
	m2m_info("farm", "%s: PC/SC card reinserted for the new profile", d->msisdn);
}

void farm_pcsc_free(m2m_farm *f)
{
	farm_pcsc *p = f->pcsc;

	if (p == NULL)
		return;
	m2m_vpcd_client_free(p->vc);
	p->dev->exposed = false;
	free(p);
	f->pcsc = NULL;
}
