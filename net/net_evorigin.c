/* Another member's evidence store over RPC, signed (net_evorigin.h). */
#include "net_evorigin.h"

#include "ldg_limits.h"
#include "net_rpc_auth.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The request signed as the member; its JSON reply, or NULL with err (and *answered false
 * when no reply came at all). */
static json_t *call(net_client *c, const net_evorigin_signer *s, const ldg_enc *req, bool *answered,
                    char *err, size_t err_len)
{
    *answered = true;
    ldg_enc env;
    if (net_rpc_sign_request(&env, s->key, &s->genesis, wall_ms(), req) != LDG_OK) {
        snprintf(err, err_len, "the request could not be signed");
        return NULL;
    }
    int status = 0;
    char *text = NULL;
    ldg_err e = net_client_call(c, &env, &status, &text);
    ldg_enc_free(&env);
    if (e != LDG_OK) {
        *answered = false;
        snprintf(err, err_len, "did not answer: %s", ldg_err_str(e));
        return NULL;
    }
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    if (j && status != 0) {
        const char *name = json_string_value(json_object_get(j, "error"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        snprintf(err, err_len, "refused: %s: %s", name ? name : "ERROR",
                 msg ? msg : "refused the request");
        json_decref(j);
        return NULL;
    }
    if (!j)
        snprintf(err, err_len, "sent an unreadable reply");
    return j;
}

bool net_evorigin_page(net_client *c, const net_evorigin_signer *s, uint64_t *pos,
                       ldg_hash roots[LDG_EV_LIST_MAX], size_t *n, bool *more,
                       net_evorigin_rows *rows, char *err, size_t err_len)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "evidence_slices");
    ldg_enc_u64(&e, *pos);
    bool answered;
    json_t *j = call(c, s, &e, &answered, err, err_len);
    ldg_enc_free(&e);
    json_t *a = json_object_get(j, "slices"), *jn = json_object_get(j, "next");
    uint64_t next =
        json_is_integer(jn) && json_integer_value(jn) >= 0 ? (uint64_t)json_integer_value(jn) : 0;
    bool ok = json_is_array(a) && json_array_size(a) <= LDG_EV_LIST_MAX && next >= *pos &&
              next - *pos <= LDG_EV_LIST_MAX && next - *pos >= json_array_size(a);
    *n = 0;
    for (size_t i = 0; ok && i < json_array_size(a); i++) {
        const char *h = json_string_value(json_array_get(a, i));
        ok = h && ldg_hex_decode(roots[i].b, LDG_HASH_LEN, h) == 0;
        *n += ok;
    }
    const char *pv = json_string_value(json_object_get(j, "prev"));
    const char *ls = json_string_value(json_object_get(j, "last"));
    rows->has_prev = pv && ldg_hex_decode(rows->prev.b, LDG_HASH_LEN, pv) == 0;
    rows->has_last = ls && ldg_hex_decode(rows->last.b, LDG_HASH_LEN, ls) == 0;
    /* more only with progress: a reply that does not move could loop */
    *more = ok && json_is_true(json_object_get(j, "more")) && next > *pos;
    if (j && !ok)
        snprintf(err, err_len, "sent a malformed list");
    if (ok)
        *pos = next;
    json_decref(j);
    return ok;
}

/* One chunk of the slice file into *z (grown to the size the first reply gives, which must
 * stay the same and within a slice file's bound): the bytes it added. */
static size_t fetch_chunk(json_t *j, uint8_t **z, uint64_t *size, uint64_t off, char *err,
                          size_t err_len)
{
    json_t *js = json_object_get(j, "size");
    const char *hx = json_string_value(json_object_get(j, "data"));
    uint64_t sz = json_is_integer(js) ? (uint64_t)json_integer_value(js) : UINT64_MAX;
    size_t hl = hx ? strlen(hx) : 1;
    if (sz > ZSTD_COMPRESSBOUND(LDG_EV_SLICE_RAW_MAX) || (*size && sz != *size) || hl % 2 ||
        hl / 2 > LDG_EV_FETCH_CHUNK || hl / 2 > sz - off || (hl == 0 && off < sz)) {
        snprintf(err, err_len, "sent a malformed slice chunk");
        return 0;
    }
    if (!*size) {
        *size = sz;
        *z = malloc(sz ? sz : 1);
        LDG_ASSERT(*z);
    }
    if (ldg_hex_decode(*z + off, hl / 2, hx) != 0) {
        snprintf(err, err_len, "sent a malformed slice chunk");
        return 0;
    }
    return hl / 2;
}

uint8_t *net_evorigin_fetch(net_client *c, const net_evorigin_signer *s, const ldg_hash *root,
                            size_t *len, bool *answered, char *err, size_t err_len)
{
    bool dummy;
    answered = answered ? answered : &dummy;
    uint8_t *z = NULL;
    uint64_t size = 0, off = 0;
    err[0] = '\0';
    do {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 3);
        ldg_enc_str(&e, "evidence_slice");
        ldg_enc_bin(&e, root->b, LDG_HASH_LEN);
        ldg_enc_u64(&e, off);
        json_t *j = call(c, s, &e, answered, err, err_len);
        ldg_enc_free(&e);
        size_t got = j ? fetch_chunk(j, &z, &size, off, err, err_len) : 0;
        json_decref(j);
        if (!j || err[0] || (got == 0 && off < size)) {
            free(z);
            if (!err[0])
                snprintf(err, err_len, "sent an empty chunk");
            return NULL;
        }
        off += got;
    } while (off < size);
    if (size == 0) {
        free(z);
        snprintf(err, err_len, "sent an empty slice");
        return NULL;
    }
    *len = (size_t)size;
    return z;
}
