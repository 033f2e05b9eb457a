/* The validator set in force at each height (ldg_valset.h). */
#include "ldg_valset.h"

#include "ldg_chain.h"
#include "ldg_exec.h"
#include "ldg_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ldg_valset_key(uint8_t key[LDG_VALSET_KEY_LEN], uint64_t from)
{
    key[0] = LDG_KEY_VALSET;
    for (int i = 0; i < 8; i++)
        key[1 + i] = (uint8_t)(from >> (56 - 8 * i));
}

static uint64_t key_from(const uint8_t *k)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | k[1 + i];
    return v;
}

void ldg_valset_encode(ldg_enc *e, const ldg_valset *v)
{
    ldg_enc_array(e, v->count);
    for (uint32_t i = 0; i < v->count; i++)
        ldg_enc_bin(e, v->keys[i].b, LDG_PUBKEY_LEN);
}

bool ldg_valset_decode(const uint8_t *val, size_t len, ldg_valset *out, char *why, size_t why_len)
{
    ldg_dec d;
    const msgpack_object *f;
    uint32_t n;
    if (ldg_decode(&d, val, len) != LDG_OK) {
        snprintf(why, why_len, "the set is not one canonical msgpack value");
        return false;
    }
    bool ok = ldg_obj_array_any(d.root, LDG_VALIDATORS_MAX, &f, &n) && n >= 1;
    if (!ok)
        snprintf(why, why_len, "the set is not an array of 1 to %d keys", LDG_VALIDATORS_MAX);
    for (uint32_t i = 0; ok && i < n; i++) {
        ok = ldg_obj_bin(&f[i], out->keys[i].b, LDG_PUBKEY_LEN) && ldg_pubkey_valid(&out->keys[i]);
        if (!ok)
            snprintf(why, why_len, "key %u of the set is not a valid 32-byte x-only key", i);
        for (uint32_t j = 0; ok && j < i; j++)
            if (!memcmp(out->keys[i].b, out->keys[j].b, LDG_PUBKEY_LEN)) {
                snprintf(why, why_len, "key %u of the set repeats key %u", i, j);
                ok = false;
            }
    }
    ldg_dec_free(&d);
    out->count = ok ? n : 0;
    return ok;
}

typedef struct scan_at {
    uint64_t height;
    const uint8_t *val; /* the last entry at or below height: copied out below */
    uint8_t buf[16 + LDG_VALIDATORS_MAX * (2 + LDG_PUBKEY_LEN)];
    size_t len;
    uint64_t from;
    bool found, bad;
} scan_at;

static bool at_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    scan_at *s = arg;
    if (kl != LDG_VALSET_KEY_LEN || vl > sizeof s->buf) {
        s->bad = true;
        return false;
    }
    uint64_t from = key_from(k);
    if (from > s->height)
        return false;
    memcpy(s->buf, v, vl);
    s->len = vl;
    s->from = from;
    s->found = true;
    return true;
}

ldg_err ldg_valset_at(ldg_state *st, uint64_t height, ldg_valset *out)
{
    scan_at *s = calloc(1, sizeof *s);
    LDG_ASSERT(s);
    s->height = height;
    uint8_t p = LDG_KEY_VALSET;
    ldg_err err = ldg_state_scan(st, &p, 1, LDG_VALSET_CHANGES_MAX + 1, at_row, s);
    char why[128];
    if (err == LDG_OK && s->bad)
        err = LDG_ERR_CORRUPT;
    if (err == LDG_OK && s->found) {
        if (!ldg_valset_decode(s->buf, s->len, out, why, sizeof why))
            err = LDG_ERR_CORRUPT;
        out->from = s->from;
    } else if (err == LDG_OK) {
        out->from = 0;
        out->count = ldg_validators_read(st, out->keys, LDG_VALIDATORS_MAX);
        if (out->count == 0)
            err = LDG_ERR_CORRUPT;
    }
    free(s);
    return err;
}

typedef struct scan_list {
    uint64_t after;
    ldg_valset *out;
    uint32_t cap, n;
    bool bad;
} scan_list;

static bool list_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    scan_list *s = arg;
    char why[128];
    if (kl != LDG_VALSET_KEY_LEN) {
        s->bad = true;
        return false;
    }
    if (key_from(k) <= s->after)
        return true;
    if (s->n >= s->cap)
        return false;
    if (!ldg_valset_decode(v, vl, &s->out[s->n], why, sizeof why)) {
        s->bad = true;
        return false;
    }
    s->out[s->n++].from = key_from(k);
    return true;
}

ldg_err ldg_valset_changes(ldg_state *st, uint64_t after, ldg_valset *out, uint32_t cap,
                           uint32_t *n)
{
    scan_list s = {.after = after, .out = out, .cap = cap};
    uint8_t p = LDG_KEY_VALSET;
    ldg_err err = ldg_state_scan(st, &p, 1, LDG_VALSET_CHANGES_MAX + 1, list_row, &s);
    *n = s.n;
    return err == LDG_OK && s.bad ? LDG_ERR_CORRUPT : err;
}

typedef struct scan_sum {
    uint32_t count;
    uint64_t last;
    bool bad;
} scan_sum;

static bool sum_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    scan_sum *s = arg;
    if (kl != LDG_VALSET_KEY_LEN) {
        s->bad = true;
        return false;
    }
    s->count++;
    s->last = key_from(k);
    return true;
}

ldg_err ldg_valset_summary(ldg_state *st, uint32_t *count, uint64_t *last_from)
{
    scan_sum s = {0};
    uint8_t p = LDG_KEY_VALSET;
    ldg_err err = ldg_state_scan(st, &p, 1, LDG_VALSET_CHANGES_MAX + 1, sum_row, &s);
    *count = s.count;
    *last_from = s.last;
    return err == LDG_OK && s.bad ? LDG_ERR_CORRUPT : err;
}

void ldg_valset_put(ldg_state *st, const ldg_valset *v)
{
    uint8_t key[LDG_VALSET_KEY_LEN];
    ldg_valset_key(key, v->from);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_valset_encode(&e, v);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}
