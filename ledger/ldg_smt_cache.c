/* The state tree's node cache (node key → encoded node; nodes are immutable, so a cached
 * node never goes stale) and the reads of nodes through it. */
#include "ldg_smt_int.h"

#include <stdlib.h>
#include <string.h>

/* 64-bit multiply-xorshift over the key's 8-byte words (node keys differ mostly in their
 * last bytes: the version and the prefix). */
static uint64_t key_hash(const uint8_t *k, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ k[i]) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ h >> 29;
}

static nent *cache_slot_h(ncache *c, const uint8_t *k, size_t kl, uint64_t hash)
{
    size_t m = c->cap - 1, i = hash & m;
    uint32_t h = (uint32_t)(hash >> 32);
    while (c->slots[i].v &&
           (c->slots[i].h != h || c->slots[i].klen != kl || memcmp(c->slots[i].v, k, kl)))
        i = (i + 1) & m;
    return &c->slots[i];
}

nent *smt_cache_slot(ncache *c, const uint8_t *k, size_t kl)
{
    return cache_slot_h(c, k, kl, key_hash(k, kl));
}

void smt_cache_grow(ncache *c)
{
    ncache old = *c;
    c->cap = old.cap ? old.cap * 2 : 4096;
    c->slots = calloc(c->cap, sizeof *c->slots);
    LDG_ASSERT(c->slots);
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].v)
            *smt_cache_slot(c, old.slots[i].v, old.slots[i].klen) = old.slots[i];
    free(old.slots);
}

static bool pinned(const ncache *c, const nent *e)
{
    return e->version > c->stored;
}

void smt_cache_put(ncache *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                   uint64_t version)
{
    LDG_ASSERT(kl <= NODE_KEY_MAX);
    if ((c->count + 1) * 2 > c->cap)
        smt_cache_grow(c);
    nent *e = smt_cache_slot(c, k, kl);
    if (e->v && e->version < version)
        e->version = version; /* read before, written now: kept until stored */
    if (e->v && e->vlen == vl && !memcmp(e->v + kl, v, vl))
        return;
    if (e->v) { /* other bytes under the key (a node is written once; kept safe): the new ones */
        version = e->version;
        c->count--;
        c->bytes -= kl + e->vlen + sizeof *e;
        free(e->v);
    }
    e->v = malloc(kl + vl + 1);
    LDG_ASSERT(e->v);
    memcpy(e->v, k, kl);
    memcpy(e->v + kl, v, vl);
    e->h = (uint32_t)(key_hash(k, kl) >> 32);
    e->klen = (uint8_t)kl;
    e->vlen = (uint32_t)vl;
    e->version = version;
    c->count++;
    c->bytes += kl + vl + sizeof *e;
}

/* Drops every entry not pinned. */
void smt_cache_trim(ncache *c)
{
    ncache old = *c;
    memset(c, 0, sizeof *c);
    c->stored = old.stored;
    c->cap = old.cap;
    c->slots = calloc(c->cap, sizeof *c->slots);
    LDG_ASSERT(c->slots);
    for (size_t i = 0; i < old.cap; i++) {
        nent *e = &old.slots[i];
        if (!e->v)
            continue;
        if (!pinned(c, e)) {
            free(e->v);
            continue;
        }
        *smt_cache_slot(c, e->v, e->klen) = *e;
        c->count++;
        c->bytes += e->klen + e->vlen + sizeof *e;
    }
    free(old.slots);
}

void smt_cache_free(ncache *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->slots[i].v);
    free(c->slots);
    memset(c, 0, sizeof *c);
}

ldg_err smt_base_get(ldg_state_base *b, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    return b->get(b->arg, k, kl, v, vl);
}

/* Reads a node through the cache (t may be NULL: straight from the base). *v is malloc'd. */
ldg_err smt_node_get(ldg_smt *t, ldg_state_base *b, const uint8_t *k, size_t kl, uint8_t **v,
                     size_t *vl)
{
    if (t && t->cache.cap) {
        nent *e = smt_cache_slot(&t->cache, k, kl);
        if (e->v) {
            *v = malloc(e->vlen + 1);
            LDG_ASSERT(*v);
            memcpy(*v, e->v + kl, e->vlen);
            *vl = e->vlen;
            return LDG_OK;
        }
    }
    ldg_err err = smt_base_get(b, k, kl, v, vl);
    if (err == LDG_ERR_NOT_FOUND)
        return LDG_ERR_CORRUPT; /* a child a parent names must exist */
    if (err == LDG_OK && t && t->cache.cap) {
        if (t->cache.bytes > LDG_SMT_CACHE_BYTES)
            smt_cache_trim(&t->cache);
        smt_cache_put(&t->cache, k, kl, *v, *vl, 0);
    }
    return err;
}

ldg_err smt_read_inode(ldg_smt *t, ldg_state_base *b, const uint8_t *tid, unsigned depth,
                       const ldg_hash *path, uint64_t version, child out[16])
{
    uint8_t k[NODE_KEY_MAX];
    size_t kl = smt_inode_key(k, tid, depth, path, version);
    if (t && t->cache.cap) { /* decoded in place: no copy of a cached node */
        nent *e = smt_cache_slot(&t->cache, k, kl);
        if (e->v)
            return smt_inode_decode(out, e->v + kl, e->vlen, tid[0] == 1, version)
                       ? LDG_OK
                       : LDG_ERR_CORRUPT;
    }
    uint8_t *v;
    size_t vl;
    ldg_err err = smt_node_get(t, b, k, kl, &v, &vl);
    if (err != LDG_OK)
        return err;
    bool ok = smt_inode_decode(out, v, vl, tid[0] == 1, version); /* tid 01 ‖ id12: a register */
    free(v);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}
