/* libFuzzer target for the state sync chunk decoder and verifier (ldg_snap_verify,
 * ledger/ldg_snap.c) and the chunk request decoder (net_snap_chunk_req_decode).
 *
 * Input: one byte choosing the task (0: the plain tree of a small real state, split into
 * nodes; 1: its registers tree whole; 2: one of its registers; 3: the request decoder), then the
 * bytes. The seeds are the honest chunks of those tasks.
 *
 * Properties checked on every input:
 * - a refusal has a sentence and leaves nothing allocated;
 * - an accepted chunk carries exactly the honest chunk's keys and values and follow-up
 *   tasks (the hashes leave a liar no other choice);
 * - a request that decodes re-encodes to exactly the input bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_snap.h"
#include "net_snap.h"

#define VERSION 3

static struct {
    bool ready;
    ldg_memkv *kv;
    ldg_snap_task task[3];
    size_t keys_max[3];
    ldg_snap_chunk honest[3];
    uint8_t *bytes[3];
    size_t len[3];
} fx;

static void put_u64(ldg_state *st, const void *k, size_t kl, uint64_t v)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_u64(&e, v);
    ldg_state_put(st, k, kl, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

static void init(void)
{
    if (fx.ready)
        return;
    fx.kv = ldg_memkv_new();
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    for (uint8_t i = 0; i < 12; i++) {
        uint8_t k[3] = {'p', i, (uint8_t)(i * 7)};
        put_u64(st, k, sizeof k, 1000u + i);
        uint8_t b[33] = {'b'};
        memcpy(b + 1, "CNE100000296", 12);
        memset(b + 13, i, 20);
        put_u64(st, b, sizeof b, 10u * i + 1);
    }
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ldg_smt *t;
    ldg_hash zero = {{0}}, root;
    LDG_ASSERT(ldg_smt_open(&t, ldg_memkv_base(fx.kv), VERSION, true) == LDG_OK);
    LDG_ASSERT(ldg_smt_step_mem(t, fx.kv, &zero, VERSION, w, n, &root) == LDG_OK);
    ldg_smt_free(t);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    /* the state root's chunk names the plain tree (task 0) and the registers tree (task 1) */
    ldg_snap_task rt;
    ldg_snap_root_task(&rt, &root);
    ldg_enc re;
    ldg_enc_init(&re);
    LDG_ASSERT(ldg_snap_build(ldg_memkv_base(fx.kv), VERSION, &rt, 2, &re) == LDG_OK);
    ldg_snap_chunk rc;
    char rwhy[256];
    LDG_ASSERT(ldg_snap_verify(&rc, &rt, VERSION, ldg_enc_data(&re), ldg_enc_len(&re), rwhy,
                               sizeof rwhy) == LDG_OK &&
               rc.ntasks == 2);
    fx.task[0] = rc.tasks[0];
    fx.task[1] = rc.tasks[1];
    ldg_snap_chunk_free(&rc);
    ldg_enc_free(&re);
    fx.keys_max[0] = 2;
    fx.keys_max[1] = fx.keys_max[2] = LDG_SNAP_CHUNK_KEYS_MAX;
    for (int i = 0; i < 3; i++) {
        ldg_enc e;
        ldg_enc_init(&e);
        LDG_ASSERT(ldg_snap_build(ldg_memkv_base(fx.kv), VERSION, &fx.task[i], fx.keys_max[i],
                                  &e) == LDG_OK);
        fx.bytes[i] = ldg_enc_take(&e, &fx.len[i]);
        char why[256];
        LDG_ASSERT(ldg_snap_verify(&fx.honest[i], &fx.task[i], VERSION, fx.bytes[i], fx.len[i], why,
                                   sizeof why) == LDG_OK);
        if (i == 1) { /* the register leaf of the registers tree gives task 2 */
            LDG_ASSERT(fx.honest[1].ntasks == 1);
            fx.task[2] = fx.honest[1].tasks[0];
        }
    }
    fx.ready = true;
}

static void same_chunk(const ldg_snap_chunk *a, const ldg_snap_chunk *b)
{
    LDG_ASSERT(a->n == b->n && a->ntasks == b->ntasks);
    for (size_t i = 0; i < a->n; i++)
        LDG_ASSERT(a->klens[i] == b->klens[i] && a->vlens[i] == b->vlens[i] &&
                   !memcmp(a->keys[i], b->keys[i], a->klens[i]) &&
                   (!a->vlens[i] || !memcmp(a->vals[i], b->vals[i], a->vlens[i])));
    for (size_t i = 0; i < a->ntasks; i++) {
        const ldg_snap_task *x = &a->tasks[i], *y = &b->tasks[i];
        LDG_ASSERT(x->tree == y->tree && x->depth == y->depth && x->sum == y->sum &&
                   !memcmp(x->id12, y->id12, sizeof x->id12) &&
                   !memcmp(x->prefix.b, y->prefix.b, LDG_HASH_LEN) &&
                   !memcmp(x->hash.b, y->hash.b, LDG_HASH_LEN));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size < 1)
        return 0;
    unsigned which = data[0] % 4;
    data++, size--;
    if (which == 3) {
        uint64_t h;
        ldg_snap_task t;
        if (net_snap_chunk_req_decode(data, size, &h, &t) == LDG_OK) {
            ldg_enc e;
            ldg_enc_init(&e);
            net_snap_chunk_req_encode(&e, h, &t);
            LDG_ASSERT(ldg_enc_len(&e) == size && !memcmp(ldg_enc_data(&e), data, size));
            ldg_enc_free(&e);
        }
        return 0;
    }
    ldg_snap_chunk c;
    char why[256] = "";
    ldg_err err = ldg_snap_verify(&c, &fx.task[which], VERSION, data, size, why, sizeof why);
    if (err != LDG_OK) {
        LDG_ASSERT(why[0] && !c.live && c.n == 0 && c.keys == NULL && c.tasks == NULL);
        return 0;
    }
    same_chunk(&c, &fx.honest[which]);
    ldg_snap_chunk_free(&c);
    return 0;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    init();
    if (index < 3) {
        if (fx.len[index] + 1 > cap)
            return 0;
        out[0] = (uint8_t)index;
        memcpy(out + 1, fx.bytes[index], fx.len[index]);
        return fx.len[index] + 1;
    }
    if (index == 3) {
        ldg_enc e;
        ldg_enc_init(&e);
        net_snap_chunk_req_encode(&e, 42, &fx.task[2]);
        size_t n = ldg_enc_len(&e) + 1 <= cap ? ldg_enc_len(&e) : 0;
        out[0] = 3;
        memcpy(out + 1, ldg_enc_data(&e), n);
        ldg_enc_free(&e);
        return n ? n + 1 : 0;
    }
    return 0;
}
