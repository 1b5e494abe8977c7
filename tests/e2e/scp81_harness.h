/*
 * The SM-SR end to end tests over the HTTPS bearer (test_smsr_scp81.c, test_smsr_wake.c):
 * the farm's cards reach the SM-SR's SCP81 admin server (and send their notifications over
 * HTTPS), the SM-SR's ES4 answers go to this program's endpoint as mno1's. Include after
 * e2e_harness.h.
 */
#ifndef M2M_TESTS_E2E_SCP81_HARNESS_H
#define M2M_TESTS_E2E_SCP81_HARNESS_H

/* smsr.ini with the SCP81 server on scp81_port and the engine's poll (ms). */
static void scp81_write_config(unsigned scp81_port, unsigned poll_ms)
{
	FILE *f = config_begin();

	fprintf(f,
		"por_timeout = 5000\n"
		"[scp81]\nenabled = true\nlisten = 127.0.0.1:%u\n"
		"[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 20000\npoll = %u\n"
		"[callers]\nmno1 = " MNO1 "\n"
		"[peers]\n" MNO1 " = %s\n"
		"[es1]\nci_cert = %s/pki/ci.crt\nsmsr_id = 1.3.6.1.4.1.99999.2\n",
		scp81_port, poll_ms, F->cb_url, F->dir);
	fclose(f);
}

/* The farm's default admin server (HTTPS notifications) must be known before the SM-SR
 * starts, and the SM-SR needs the farm's SMSC port: the SCP81 port is chosen here. */
static void scp81_system_up(const char *dir_template, unsigned poll_ms)
{
	char url[96], sout[256];
	unsigned scp81_port;

	fixture_new(dir_template, M2M_WS_ROLE_MNO, "es4");
	scp81_port = free_port();
	make_devices(true);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/scp81", scp81_port);
	char *extra[] = {"--scp81-url", url, "--notify", "https", NULL};
	start_farm(extra);
	scp81_write_config(scp81_port, poll_ms);
	import_and_start_smsr();
	path(sout, sizeof sout, "smsr.out");
	assert_true(wait_line(sout, "scp81", F->scp81, sizeof F->scp81));
}

/* One ES4 call of mno1 answered at our endpoint (ReplyTo). */
static void call_mno1(m2m_ws_fn fn, const char *fcid, int dev, const char *iccid, outcome *o)
{
	call("mno1", fn, NULL, dev, false, true,
	     request(fn, fcid, dev, iccid != NULL ? "Iccid" : NULL, iccid, NULL), o);
}

static void expect_success(const outcome *o)
{
	if (o->st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("got %s %s/%s (%s)\n", m2m_ws_status_name(o->st.status), o->st.subject,
			    o->st.reason, o->st.message);
	assert_int_equal(o->st.status, M2M_WS_EXECUTED_SUCCESS);
}

#endif
