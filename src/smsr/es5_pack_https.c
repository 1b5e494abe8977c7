/* Packaging of ES5 command sets for the HTTPS bearer (SCP81, GP Amendment B): the whole set
 * in one expanded remote command script with indefinite length, AE 80 {22 C-APDU}... 00 00,
 * the form the SCP81 admin server carries and the card's SCP81 path runs
 * (src/euicc/ota_scp81_session.c); no SCP80 wrapping, no SMS split (TLS-PSK secures it). */
#include "smsr/es5_pack.h"

m2m_err m2m_es5_https_script(const m2m_es5_cmd *cmd, m2m_buf *out)
{
	m2m_script_builder sb;
	size_t start;
	m2m_err err;

	if (cmd == NULL || out == NULL || cmd->apdus.count == 0)
		return M2M_ERR_ARG;
	start = out->len;
	err = m2m_script_begin(&sb, out, true, cmd->chain);
	for (size_t i = 0; err == M2M_OK && i < cmd->apdus.count; i++) {
		size_t len;
		const uint8_t *a = m2m_es5_apdus_get(&cmd->apdus, i, &len);
		err = m2m_script_add_capdu(&sb, a, len);
	}
	if (err == M2M_OK)
		err = m2m_script_end(&sb);
	if (err != M2M_OK)
		out->len = start;
	return err;
}
