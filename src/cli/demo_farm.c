/* The device farm seen by the demo: its devices (`devices list --json`) and its control API
 * (docs/devices.md "Control API"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/demo_int.h"
#include "net/http_client.h"

/* One device line: its EID and the ICCID of ISD-P 000010, the bootstrap. */
static bool take_device(json_t *j, m2m_demo_dev *dev)
{
	const char *eid = json_string_value(json_object_get(j, "eid"));
	json_t *isdps = json_object_get(j, "isdps");
	size_t i;
	json_t *p;

	if (eid == NULL || !json_is_array(isdps))
		return false;
	snprintf(dev->eid, sizeof dev->eid, "%s", eid);
	json_array_foreach(isdps, i, p) {
		const char *tar = json_string_value(json_object_get(p, "tar"));
		const char *iccid = json_string_value(json_object_get(p, "iccid"));
		if (tar != NULL && iccid != NULL && strcmp(tar, "000010") == 0)
			snprintf(dev->boot_iccid, sizeof dev->boot_iccid, "%s", iccid);
	}
	return dev->boot_iccid[0] != '\0';
}

int m2m_demo_read_devices(m2m_demo *d)
{
	char path[PATH_MAX];
	json_error_t je;
	int rc = M2M_EXIT_OK;
	FILE *f;

	m2m_demo_path(d, "devices.json", path, sizeof path);
	f = fopen(path, "r");
	if (f == NULL)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "cannot read %s", path);
	d->dev = calloc(d->euiccs, sizeof *d->dev);
	if (d->dev == NULL) {
		rc = M2M_EXIT_IO;
		goto out;
	}
	d->ndev = 0;
	while (d->ndev < d->euiccs) {
		/* JSON Lines: one object, then the next from where it ended. */
		json_t *j = json_loadf(f, JSON_DISABLE_EOF_CHECK, &je);
		if (j == NULL)
			break;
		bool ok = take_device(j, &d->dev[d->ndev]);
		json_decref(j);
		if (!ok) {
			rc = m2m_cli_error(M2M_EXIT_FAILED, "demo",
					   "%s: device %zu has no bootstrap", path, d->ndev + 1);
			goto out;
		}
		d->ndev++;
	}
	if (d->ndev != d->euiccs)
		rc = m2m_cli_error(M2M_EXIT_FAILED, "demo", "%s: %zu devices, %zu expected", path,
				   d->ndev, d->euiccs);
out:
	fclose(f);
	return rc;
}

long m2m_demo_control(const m2m_demo *d, const char *method, const char *path, char **body)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 10000};
	m2m_http_client_response r;
	char url[256];
	long status = -1;

	*body = NULL;
	memset(&r, 0, sizeof r);
	snprintf(url, sizeof url, "http://%s%s", d->control, path);
	m2m_http_client_request rq = {.method = method, .url = url};
	if (strcmp(method, "POST") == 0) {
		rq.body = (const uint8_t *)"{}";
		rq.body_len = 2;
	}
	if (m2m_http_client_new(&ho, &h) != M2M_OK || m2m_http_client_send(h, &rq, &r) != M2M_OK)
		goto out;
	*body = malloc(r.body.len + 1);
	if (*body == NULL)
		goto out;
	if (r.body.len > 0)
		memcpy(*body, r.body.data, r.body.len);
	(*body)[r.body.len] = '\0';
	status = r.status;
out:
	m2m_http_client_response_free(&r);
	m2m_http_client_free(h);
	return status;
}

long m2m_demo_farm_stat(const m2m_demo *d, const char *name)
{
	char *body = NULL;
	long v = -1;

	if (m2m_demo_control(d, "GET", "/stats", &body) == 200) {
		json_t *j = json_loads(body, 0, NULL);
		json_t *n = json_object_get(j, name);
		if (json_is_integer(n))
			v = (long)json_integer_value(n);
		json_decref(j);
	}
	free(body);
	return v;
}
