/* SM-SR2's PostgreSQL database in the demo (--postgres): the two SM-SRs must not share a
 * store (SM-SR2 stores the EIS of an eUICC SM-SR1 then deletes), so SM-SR2 gets a database of
 * its own in the same cluster, named after the given one with "_smsr2" appended, created
 * here when missing (libpq's CREATE DATABASE: the store layer opens databases, it does not
 * make them). */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "cli/cli.h"
#include "cli/demo_int.h"
#include "store/store.h"

#define SUFFIX "_smsr2"

/* The database the URL names (libpq's default: the user name). */
static bool db_name(const char *url, char *out, size_t cap)
{
	char *err = NULL;
	PQconninfoOption *o = PQconninfoParse(url, &err);
	const char *db = NULL, *user = NULL;
	bool ok = false;

	if (o == NULL) {
		PQfreemem(err);
		return false;
	}
	for (PQconninfoOption *p = o; p->keyword != NULL; p++) {
		if (strcmp(p->keyword, "dbname") == 0)
			db = p->val;
		else if (strcmp(p->keyword, "user") == 0)
			user = p->val;
	}
	if (db == NULL || db[0] == '\0')
		db = user;
	if (db != NULL && db[0] != '\0' && strlen(db) + sizeof SUFFIX <= cap) {
		snprintf(out, cap, "%s" SUFFIX, db);
		ok = true;
	}
	PQconninfoFree(o);
	return ok;
}

/* CREATE DATABASE name over a connection to the given database. */
static int create_db(const char *url, const char *name)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r = NULL;
	char *quoted = NULL, sql[256];
	int rc = M2M_EXIT_IO;

	if (PQstatus(c) != CONNECTION_OK) {
		m2m_cli_error(M2M_EXIT_IO, "demo", "--postgres: %s", PQerrorMessage(c));
		goto out;
	}
	quoted = PQescapeIdentifier(c, name, strlen(name));
	if (quoted == NULL || snprintf(sql, sizeof sql, "CREATE DATABASE %s", quoted) >=
				      (int)sizeof sql)
		goto out;
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		m2m_cli_error(M2M_EXIT_IO, "demo", "--postgres: cannot make SM-SR2's database %s: %s",
			      name, PQerrorMessage(c));
	else
		rc = M2M_EXIT_OK;
out:
	PQclear(r);
	PQfreemem(quoted);
	PQfinish(c);
	return rc;
}

int m2m_demo_pg_second(m2m_demo *d)
{
	char name[128], err[256];
	const char *sep = strchr(d->postgres, '?') != NULL ? "&" : "?";
	m2m_store *st = NULL;
	int64_t n = 0;
	int rc = M2M_EXIT_OK;

	if (!db_name(d->postgres, name, sizeof name))
		return m2m_cli_error(M2M_EXIT_USAGE, "demo", "--postgres: no database name");
	/* libpq: a query parameter wins over the URL's path. */
	if (snprintf(d->smsr2_db, sizeof d->smsr2_db, "%s%sdbname=%s", d->postgres, sep, name) >=
	    (int)sizeof d->smsr2_db)
		return m2m_cli_error(M2M_EXIT_USAGE, "demo", "--postgres: URL too long");
	if (m2m_store_open(d->smsr2_db, NULL, &st, err, sizeof err) != M2M_OK) {
		if ((rc = create_db(d->postgres, name)) != M2M_EXIT_OK)
			return rc;
		if (m2m_store_open(d->smsr2_db, NULL, &st, err, sizeof err) != M2M_OK)
			return m2m_cli_error(M2M_EXIT_IO, "demo", "--postgres: %s: %s", name, err);
	}
	if (m2m_store_eis_count(st, &n) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "demo", "--postgres: %s", m2m_store_errmsg(st));
	else if (n > 0)
		rc = m2m_cli_error(M2M_EXIT_USAGE, "demo", "--postgres: SM-SR2's database %s "
				   "already holds %lld eUICCs (an earlier demo?): drop it or give "
				   "another database", name, (long long)n);
	m2m_store_close(st);
	return rc;
}
