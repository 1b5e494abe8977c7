/* Byte buffers and the bounds-checked reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/buf.h"

static void test_append_grows(void **state)
{
	(void)state;
	m2m_buf b;
	m2m_buf_init(&b);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(m2m_buf_append_u8(&b, (uint8_t)i), M2M_OK);
	assert_int_equal(b.len, 1000);
	assert_int_equal(b.data[999], (uint8_t)999);
	assert_int_equal(m2m_buf_append_u16be(&b, 0x1234), M2M_OK);
	assert_int_equal(m2m_buf_append_u32be(&b, 0xA1B2C3D4), M2M_OK);
	const uint8_t tail[] = {0x12, 0x34, 0xA1, 0xB2, 0xC3, 0xD4};
	assert_memory_equal(b.data + 1000, tail, sizeof tail);
	m2m_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_fixed_refuses_overflow(void **state)
{
	(void)state;
	uint8_t mem[4];
	m2m_buf b;
	m2m_buf_init_fixed(&b, mem, sizeof mem);
	assert_int_equal(m2m_buf_append(&b, "abc", 3), M2M_OK);
	assert_int_equal(m2m_buf_append(&b, "de", 2), M2M_ERR_BOUNDS);
	assert_int_equal(b.len, 3); /* nothing partial written */
	assert_int_equal(m2m_buf_append_u8(&b, 'd'), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&b, 'e'), M2M_ERR_BOUNDS);
	assert_memory_equal(mem, "abcd", 4);
	m2m_buf_free(&b);
	/* A fixed buffer is wiped, not freed. */
	assert_memory_equal(mem, "\0\0\0\0", 4);
}

static void test_insert(void **state)
{
	(void)state;
	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_buf_append(&b, "ade", 3), M2M_OK);
	assert_int_equal(m2m_buf_insert(&b, 1, "bc", 2), M2M_OK);
	assert_int_equal(m2m_buf_insert(&b, 5, "f", 1), M2M_OK);
	assert_int_equal(m2m_buf_insert(&b, 7, "x", 1), M2M_ERR_BOUNDS);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abcdef", 6);
	m2m_buf_free(&b);
}

static void test_fill_reset(void **state)
{
	(void)state;
	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_buf_append_fill(&b, 0xFF, 5), M2M_OK);
	assert_int_equal(b.len, 5);
	assert_int_equal(b.data[4], 0xFF);
	m2m_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.data[0], 0); /* wiped */
	m2m_buf_free(&b);
}

static void test_reader(void **state)
{
	(void)state;
	const uint8_t d[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	m2m_rd r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	const uint8_t *p;
	m2m_rd_init(&r, d, sizeof d);
	assert_int_equal(m2m_rd_u8(&r, &u8), M2M_OK);
	assert_int_equal(u8, 0x01);
	assert_int_equal(m2m_rd_u16be(&r, &u16), M2M_OK);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(m2m_rd_u32be(&r, &u32), M2M_OK);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(m2m_rd_left(&r), 0);
	assert_int_equal(m2m_rd_u8(&r, &u8), M2M_ERR_BOUNDS);
	m2m_rd_init(&r, d, 3);
	assert_int_equal(m2m_rd_u32be(&r, &u32), M2M_ERR_BOUNDS);
	assert_int_equal(r.pos, 0); /* a failed read consumes nothing */
	assert_int_equal(m2m_rd_take(&r, 3, &p), M2M_OK);
	assert_ptr_equal(p, d);
	assert_int_equal(m2m_rd_take(&r, 1, &p), M2M_ERR_BOUNDS);
	m2m_rd_init(&r, NULL, 10);
	assert_int_equal(m2m_rd_left(&r), 0);
}

static void test_wipe(void **state)
{
	(void)state;
	uint8_t key[16];
	memset(key, 0xAA, sizeof key);
	m2m_wipe(key, sizeof key);
	for (size_t i = 0; i < sizeof key; i++)
		assert_int_equal(key[i], 0);
	m2m_wipe(NULL, 10); /* harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows),
		cmocka_unit_test(test_fixed_refuses_overflow),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_fill_reset),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_wipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
