/* Output helpers shared by the verbs. */
#include "cli/cli.h"
#include "core/hex.h"

int m2m_cli_print_hex_line(const char *what, const uint8_t *p, size_t n)
{
	m2m_buf line;
	m2m_buf_init(&line);
	int rc = M2M_EXIT_OK;
	if (m2m_hex_append(&line, p, n) != M2M_OK || m2m_buf_append_u8(&line, '\n') != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_FAILED, what, "out of memory");
	else if (fwrite(line.data, 1, line.len, stdout) != line.len || fflush(stdout) != 0)
		rc = m2m_cli_error(M2M_EXIT_IO, what, "write to standard output failed");
	m2m_buf_free(&line);
	return rc;
}
