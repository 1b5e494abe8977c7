/* XML-DSig core: canonicalisation of a subtree (libxml2's C14N), base64, and the verification
 * of one ds:Signature over one referenced element with ECDSA-SHA256 (eis_dsig.h). */
#include "smsr/eis_dsig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "crypto/hash.h"

#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define PREFIXES_MAX 16

/* C14N node-set of a subtree: the apex, its descendants, their attributes and namespace
 * nodes (a namespace node belongs to the element it is reported with). */
static int in_subtree(void *apex, xmlNodePtr node, xmlNodePtr parent)
{
	const xmlNode *n = node == NULL || node->type == XML_NAMESPACE_DECL ? parent : node;

	for (; n != NULL; n = n->parent)
		if (n == apex)
			return 1;
	return 0;
}

m2m_err m2m_dsig_c14n(const m2m_ws_node *n, bool exclusive, const char *prefixes,
		      m2m_buf *out)
{
	xmlChar *list[PREFIXES_MAX + 1] = {NULL};
	char *copy = NULL, *save = NULL;
	size_t count = 0;
	m2m_err err = M2M_ERR_NOMEM;
	xmlOutputBufferPtr ob = NULL;

	if (n == NULL || n->doc == NULL || out == NULL)
		return M2M_ERR_ARG;
	if (exclusive && prefixes != NULL) {
		if ((copy = strdup(prefixes)) == NULL)
			goto out;
		for (char *t = strtok_r(copy, " \t\r\n", &save); t != NULL;
		     t = strtok_r(NULL, " \t\r\n", &save)) {
			err = M2M_ERR_UNSUPPORTED;
			if (count == PREFIXES_MAX)
				goto out;
			list[count++] = BAD_CAST t;
		}
	}
	err = M2M_ERR_NOMEM;
	if ((ob = xmlAllocOutputBuffer(NULL)) == NULL)
		goto out;
	err = M2M_ERR_FORMAT;
	if (xmlC14NExecute(n->doc, in_subtree, (void *)n,
			   exclusive ? XML_C14N_EXCLUSIVE_1_0 : XML_C14N_1_0,
			   count > 0 ? list : NULL, 0, ob) < 0)
		goto out;
	err = m2m_buf_append(out, xmlOutputBufferGetContent(ob), xmlOutputBufferGetSize(ob));
out:
	if (ob != NULL)
		xmlOutputBufferClose(ob);
	free(copy);
	return err;
}

m2m_err m2m_dsig_base64_decode(const char *s, m2m_buf *out)
{
	size_t len = strlen(s), n = 0;
	char *clean = malloc(len + 1);
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int a = 0, b = 0;
	m2m_err err = M2M_ERR_NOMEM;

	if (clean == NULL || ctx == NULL || len > INT32_MAX)
		goto out;
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			clean[n++] = s[i];
	if ((err = m2m_buf_reserve(out, n / 4 * 3 + 3)) != M2M_OK)
		goto out;
	err = M2M_ERR_FORMAT;
	if (n % 4 != 0)
		goto out;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out->data + out->len, &a, (const unsigned char *)clean,
			     (int)n) < 0 ||
	    EVP_DecodeFinal(ctx, out->data + out->len + a, &b) != 1)
		goto out;
	out->len += (size_t)a + (size_t)b;
	err = M2M_OK;
out:
	EVP_ENCODE_CTX_free(ctx);
	free(clean);
	return err;
}

static const xmlNode *ds_child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns != NULL &&
		    strcmp((const char *)c->ns->href, NS_DS) == 0 &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static size_t ds_count(const xmlNode *n, const char *name)
{
	size_t count = 0;

	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns != NULL &&
		    strcmp((const char *)c->ns->href, NS_DS) == 0 &&
		    strcmp((const char *)c->name, name) == 0)
			count++;
	return count;
}

static const char *attr(const xmlNode *n, const char *name)
{
	return m2m_ws_node_attr(n, name);
}

/* A canonicalisation algorithm (CanonicalizationMethod or Transform): its mode and the
 * PrefixList of an InclusiveNamespaces child. */
typedef struct {
	bool exclusive;
	const char *prefixes;
} c14n_alg;

static m2m_err c14n_of(const xmlNode *n, c14n_alg *a, const char **why)
{
	const char *alg = n != NULL ? attr(n, "Algorithm") : NULL;

	a->prefixes = NULL;
	if (alg == NULL) {
		*why = "a canonicalisation method has no Algorithm";
		return M2M_ERR_FORMAT;
	}
	if (strcmp(alg, M2M_DSIG_C14N) == 0) {
		a->exclusive = false;
		return M2M_OK;
	}
	if (strcmp(alg, M2M_DSIG_EXC_C14N) != 0) {
		*why = "canonicalisation other than C14N 1.0 or exclusive C14N (without comments)";
		return M2M_ERR_UNSUPPORTED;
	}
	a->exclusive = true;
	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns != NULL &&
		    strcmp((const char *)c->ns->href, M2M_DSIG_EXC_C14N) == 0 &&
		    strcmp((const char *)c->name, "InclusiveNamespaces") == 0)
			a->prefixes = attr(c, "PrefixList");
	return M2M_OK;
}

/* The reference's transforms: none (C14N 1.0 of the node-set) or one canonicalisation. */
static m2m_err reference_alg(const xmlNode *ref, c14n_alg *a, const char **why)
{
	const xmlNode *tr = ds_child(ref, "Transforms");

	if (tr == NULL) {
		a->exclusive = false;
		a->prefixes = NULL;
		return M2M_OK;
	}
	if (ds_count(tr, "Transform") != 1) {
		*why = "the reference must have exactly one transform (a canonicalisation)";
		return M2M_ERR_UNSUPPORTED;
	}
	return c14n_of(ds_child(tr, "Transform"), a, why);
}

/* The base64 text of element n decoded to exactly want bytes. */
static m2m_err b64_exact(const xmlNode *n, size_t want, uint8_t *out, const char *what,
			 const char **why)
{
	const char *t = m2m_ws_node_text(n);
	m2m_buf b;
	m2m_err err = M2M_ERR_FORMAT;

	m2m_buf_init(&b);
	*why = what;
	if (t != NULL && m2m_dsig_base64_decode(t, &b) == M2M_OK && b.len == want) {
		memcpy(out, b.data, want);
		err = M2M_OK;
	}
	m2m_buf_free(&b);
	return err;
}

static m2m_err check_reference(const xmlNode *ref, const xmlNode *obj, const char *uri,
			       const char **why)
{
	const char *got = attr(ref, "URI"), *id = obj != NULL ? attr(obj, "Id") : NULL;
	const xmlNode *dm = ds_child(ref, "DigestMethod");
	uint8_t want[M2M_SHA256_SIZE], digest[M2M_SHA256_SIZE];
	c14n_alg a;
	m2m_buf data;
	m2m_err err;

	if (uri == NULL ? got != NULL :
			  got == NULL || strcmp(got, uri) != 0 || uri[0] != '#' || id == NULL ||
				  strcmp(id, uri + 1) != 0) {
		*why = uri == NULL ? "the reference must have no URI (it designates EumSignedInfo)"
				   : "the reference URI does not designate the object";
		return M2M_ERR_FORMAT;
	}
	if (dm == NULL || attr(dm, "Algorithm") == NULL ||
	    strcmp(attr(dm, "Algorithm"), M2M_DSIG_SHA256) != 0) {
		*why = "digest method other than SHA-256";
		return M2M_ERR_UNSUPPORTED;
	}
	if ((err = reference_alg(ref, &a, why)) != M2M_OK ||
	    (err = b64_exact(ds_child(ref, "DigestValue"), sizeof want, want,
			     "DigestValue is not 32 bytes of base64", why)) != M2M_OK)
		return err;
	m2m_buf_init(&data);
	err = m2m_dsig_c14n(obj, a.exclusive, a.prefixes, &data);
	if (err == M2M_OK)
		err = m2m_sha256(data.data, data.len, digest);
	m2m_buf_free(&data);
	if (err == M2M_OK && !m2m_ct_equal(digest, want, sizeof want)) {
		*why = "the digest of the signed element does not match DigestValue";
		err = M2M_ERR_VERIFY;
	}
	return err;
}

m2m_err m2m_dsig_verify(const m2m_ws_node *sig, const m2m_ws_node *ref, const char *uri,
			const m2m_eckey *key, const char **why)
{
	const char *dummy, *alg;
	const xmlNode *si = ds_child(sig, "SignedInfo"), *sm;
	uint8_t rs[M2M_EC_SIG_SIZE];
	c14n_alg a;
	m2m_buf data;
	m2m_err err;

	if (why == NULL)
		why = &dummy;
	*why = "malformed signature";
	if (sig == NULL || ref == NULL || key == NULL)
		return M2M_ERR_ARG;
	if (si == NULL) {
		*why = "SignedInfo is missing";
		return M2M_ERR_FORMAT;
	}
	if ((err = c14n_of(ds_child(si, "CanonicalizationMethod"), &a, why)) != M2M_OK)
		return err;
	sm = ds_child(si, "SignatureMethod");
	alg = sm != NULL ? attr(sm, "Algorithm") : NULL;
	if (alg == NULL || strcmp(alg, M2M_DSIG_ECDSA_SHA256) != 0) {
		*why = "signature method other than ECDSA-SHA256";
		return M2M_ERR_UNSUPPORTED;
	}
	if (ds_count(si, "Reference") != 1) {
		*why = "SignedInfo must hold exactly one Reference";
		return M2M_ERR_UNSUPPORTED;
	}
	if ((err = check_reference(ds_child(si, "Reference"), ref, uri, why)) != M2M_OK ||
	    (err = b64_exact(ds_child(sig, "SignatureValue"), sizeof rs, rs,
			     "SignatureValue is not 64 bytes (r || s) of base64", why)) != M2M_OK)
		return err;
	m2m_buf_init(&data);
	err = m2m_dsig_c14n(si, a.exclusive, a.prefixes, &data);
	if (err == M2M_OK) {
		err = m2m_ecdsa_verify(key, data.data, data.len, rs, sizeof rs);
		if (err == M2M_ERR_VERIFY)
			*why = "the signature value does not verify with the signer's key";
	}
	m2m_buf_free(&data);
	if (err == M2M_OK)
		*why = "valid";
	return err;
}
