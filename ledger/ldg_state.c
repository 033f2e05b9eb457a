#include "ldg_state.h"

#include <stdlib.h>
#include <string.h>

/* ---- arena: values and keys of one block's overlay, freed together ---- */

#define ARENA_CHUNK_BYTES (1 << 20)

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    uint8_t data[];
} arena_chunk;

typedef struct arena {
    arena_chunk *head;
    size_t bytes; /* capacity of every chunk held */
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > ARENA_CHUNK_BYTES ? n : ARENA_CHUNK_BYTES;
        arena_chunk *c = malloc(sizeof *c + cap);
        LDG_ASSERT(c);
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
        a->bytes += cap;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static void arena_reset(arena *a)
{
    /* Keep the newest chunk to avoid churn; free the rest. */
    if (!a->head)
        return;
    arena_chunk *c = a->head->next;
    while (c) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head->next = NULL;
    a->head->used = 0;
    a->bytes = a->head->cap;
}

static void arena_free(arena *a)
{
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->bytes = 0;
}

/* ---- open-addressing map from key bytes to entry index ---- */

typedef struct entry {
    uint64_t hash;
    uint8_t *key;
    uint8_t *val;
    uint32_t klen;
    uint32_t vlen;
    uint8_t known;  /* value is known (read from base or written) */
    uint8_t exists; /* when known: the key has a value */
    uint8_t dirty;  /* written in this block */
    uint8_t listed; /* in the overlay's dirty list (dirty now, or was in this block) */
    uint32_t stamp; /* the map's epoch when last looked up: touched in this block if equal */
} entry;

typedef struct kvmap {
    entry *entries;
    size_t count, cap_entries;
    /* Low 32 bits: entry index + 1 (0 = empty); high 32: the top of the key's hash, so
     * that a probe touches an entry only when the hashes agree (entries are 48 bytes in a
     * table of up to LDG_STATE_CACHE_KEYS: most touches are cache misses). */
    uint64_t *slots;
    size_t slot_mask;
    uint32_t epoch; /* the overlay's block counter (ldg_state_settle) */
} kvmap;

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    /* Eight bytes at a time, then a final mix; only lookups use it (writes are sorted, so
     * the hash never reaches any output). */
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

static void map_init(kvmap *m)
{
    memset(m, 0, sizeof *m);
    m->slot_mask = 1023;
    m->slots = calloc(m->slot_mask + 1, sizeof *m->slots);
    m->cap_entries = 512;
    m->entries = malloc(m->cap_entries * sizeof *m->entries);
    LDG_ASSERT(m->slots && m->entries);
}

static void map_free(kvmap *m)
{
    free(m->slots);
    free(m->entries);
    memset(m, 0, sizeof *m);
}

static void map_clear(kvmap *m)
{
    memset(m->slots, 0, (m->slot_mask + 1) * sizeof *m->slots);
    m->count = 0;
}

/* Re-slots every entry into a table of nmask + 1 slots. */
static uint64_t slot_of(uint64_t hash, size_t idx)
{
    return (hash & 0xffffffff00000000ULL) | (uint64_t)(idx + 1);
}

static void map_reslot(kvmap *m, size_t nmask)
{
    uint64_t *ns = calloc(nmask + 1, sizeof *ns);
    LDG_ASSERT(ns);
    for (size_t i = 0; i < m->count; i++) {
        size_t s = m->entries[i].hash & nmask;
        while (ns[s])
            s = (s + 1) & nmask;
        ns[s] = slot_of(m->entries[i].hash, i);
    }
    free(m->slots);
    m->slots = ns;
    m->slot_mask = nmask;
}

static void map_grow(kvmap *m)
{
    map_reslot(m, m->slot_mask * 2 + 1);
}

/* Finds the entry for key; creates an unknown one if absent and create is set. */
static entry *map_find(kvmap *m, const uint8_t *key, size_t klen, bool create,
                       uint8_t *(*copy)(void *, const uint8_t *, size_t), void *carg)
{
    uint64_t h = hash_bytes(key, klen);
    size_t s = h & m->slot_mask;
    uint64_t tag = h & 0xffffffff00000000ULL;
    for (uint64_t v; (v = m->slots[s]) != 0; s = (s + 1) & m->slot_mask) {
        if ((v & 0xffffffff00000000ULL) != tag)
            continue;
        entry *e = &m->entries[(uint32_t)v - 1];
        if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
            e->stamp = m->epoch;
            return e;
        }
    }
    if (!create)
        return NULL;
    if (m->count == m->cap_entries) {
        m->cap_entries *= 2;
        m->entries = realloc(m->entries, m->cap_entries * sizeof *m->entries);
        LDG_ASSERT(m->entries);
    }
    LDG_ASSERT(m->count < UINT32_MAX - 1);
    entry *e = &m->entries[m->count];
    memset(e, 0, sizeof *e);
    e->hash = h;
    e->klen = (uint32_t)klen;
    e->stamp = m->epoch;
    e->key = copy(carg, key, klen);
    m->slots[s] = slot_of(h, m->count++);
    if (m->count * 2 > m->slot_mask)
        map_grow(m);
    return &m->entries[m->count - 1];
}

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return al < bl ? -1 : al > bl;
}

/* Sorting writes by key: each is sorted by its first 8 key bytes as a number, and only
 * keys sharing those go to memcmp. A block's writes are mostly replay records, whose keys
 * differ early (about 7% of block sync went to memcmp through qsort before this). */
typedef struct sort_item {
    uint64_t pfx; /* the key's first 8 bytes, big-endian, zero-padded */
    const uint8_t *key;
    uint32_t klen;
    uint32_t at;
} sort_item;

static int sort_item_cmp(const void *x, const void *y)
{
    const sort_item *a = x, *b = y;
    if (a->pfx != b->pfx)
        return a->pfx < b->pfx ? -1 : 1;
    return key_cmp(a->key, a->klen, b->key, b->klen);
}

static void sort_writes(ldg_write *w, size_t n)
{
    if (n < 2)
        return;
    sort_item *it = malloc(n * sizeof *it);
    ldg_write *out = malloc(n * sizeof *out);
    LDG_ASSERT(it && out);
    for (size_t i = 0; i < n; i++) {
        uint8_t b[8] = {0};
        memcpy(b, w[i].key, w[i].klen < 8 ? w[i].klen : 8);
        uint64_t p = 0;
        for (int k = 0; k < 8; k++)
            p = p << 8 | b[k];
        LDG_ASSERT(w[i].klen < UINT32_MAX);
        it[i] = (sort_item){p, w[i].key, (uint32_t)w[i].klen, (uint32_t)i};
    }
    qsort(it, n, sizeof *it, sort_item_cmp);
    for (size_t i = 0; i < n; i++)
        out[i] = w[it[i].at];
    memcpy(w, out, n * sizeof *w);
    free(it);
    free(out);
}

/* ---- the overlay ---- */

typedef struct journal_rec {
    uint32_t idx;
    uint32_t vlen;
    uint8_t *val;
    uint8_t known, exists, dirty;
} journal_rec;

struct ldg_state {
    ldg_state_base base;
    arena mem;
    kvmap map;
    journal_rec *journal;
    size_t journal_len, journal_cap;
    bool in_tx;
    ldg_write *writes;
    size_t writes_cap;
    uint32_t *listed; /* indices of entries written in this block, so that collecting the
                       * writes does not walk the clean entries kept from earlier blocks */
    size_t listed_len, listed_cap;
    /* Notes (ldg_state_note): records of note_buf; a transaction's start is remembered so
     * that its rollback drops its notes. */
    struct note_rec {
        ldg_note_origin origin;
        size_t off, len;
    } * notes;
    size_t notes_len, notes_cap, notes_at_tx;
    uint8_t *note_buf;
    size_t note_buf_len, note_buf_cap, note_buf_at_tx;
    ldg_note_origin origin;
};

static uint8_t *arena_copy(void *arg, const uint8_t *p, size_t n)
{
    uint8_t *d = arena_alloc(arg, n ? n : 1);
    memcpy(d, p, n);
    return d;
}

ldg_state *ldg_state_new(ldg_state_base base)
{
    ldg_state *st = calloc(1, sizeof *st);
    LDG_ASSERT(st);
    st->base = base;
    map_init(&st->map);
    return st;
}

void ldg_state_free(ldg_state *st)
{
    if (!st)
        return;
    arena_free(&st->mem);
    map_free(&st->map);
    free(st->journal);
    free(st->writes);
    free(st->listed);
    free(st->notes);
    free(st->note_buf);
    if (st->base.release)
        st->base.release(st->base.arg);
    free(st);
}

void ldg_state_reset(ldg_state *st)
{
    LDG_ASSERT(!st->in_tx);
    map_clear(&st->map);
    arena_reset(&st->mem);
    st->journal_len = 0;
    st->listed_len = 0;
    st->notes_len = st->note_buf_len = 0;
}

/* Keeps only the entries looked up since epoch `since` (by default the block just
 * committed: its writes and every key it read), copied into a fresh arena, in a table
 * sized for them. */
static void compact(ldg_state *st, uint32_t since)
{
    kvmap *m = &st->map;
    arena fresh = {0};
    size_t kept = 0;
    uint32_t span = m->epoch - since; /* wraps like the stamps */
    for (size_t i = 0; i < m->count; i++) {
        entry e = m->entries[i];
        if ((uint32_t)(m->epoch - e.stamp) > span)
            continue;
        e.key = arena_copy(&fresh, e.key, e.klen);
        e.val = e.known && e.exists ? arena_copy(&fresh, e.val, e.vlen) : NULL;
        m->entries[kept++] = e;
    }
    m->count = kept;
    size_t mask = 1023;
    while (mask < 4 * kept)
        mask = mask * 2 + 1;
    map_reslot(m, mask);
    arena_free(&st->mem);
    st->mem = fresh;
}

static bool settle(ldg_state *st, size_t max_entries, size_t max_bytes, bool may_reset,
                   uint32_t since)
{
    LDG_ASSERT(!st->in_tx);
    for (size_t i = 0; i < st->listed_len; i++) {
        entry *e = &st->map.entries[st->listed[i]];
        e->dirty = 0;
        e->listed = 0;
    }
    st->listed_len = 0;
    st->journal_len = 0;
    st->notes_len = st->note_buf_len = 0;
    bool kept = true;
    if (st->map.count > max_entries || st->mem.bytes > max_bytes) {
        /* Past the limits the keys this block did not touch go (one-off keys such as
         * replay records, accounts gone quiet); the block's own stay, unless they alone
         * are past the limits too. */
        compact(st, since);
        if (may_reset && (st->map.count > max_entries || st->mem.bytes > max_bytes)) {
            ldg_state_reset(st);
            kept = false;
        }
    }
    st->map.epoch++;
    return kept;
}

bool ldg_state_settle(ldg_state *st, size_t max_entries, size_t max_bytes)
{
    return settle(st, max_entries, max_bytes, true, st->map.epoch);
}

void ldg_state_settle_keep(ldg_state *st, size_t max_entries, size_t max_bytes, uint32_t since)
{
    (void)settle(st, max_entries, max_bytes, false, since);
}

uint32_t ldg_state_epoch(const ldg_state *st)
{
    return st->map.epoch;
}

bool ldg_state_has_writes(const ldg_state *st)
{
    return st->listed_len > 0 || st->notes_len > 0;
}

static void mark_dirty(ldg_state *st, entry *e)
{
    e->dirty = 1;
    if (e->listed)
        return;
    if (st->listed_len == st->listed_cap) {
        st->listed_cap = st->listed_cap ? st->listed_cap * 2 : 256;
        st->listed = realloc(st->listed, st->listed_cap * sizeof *st->listed);
        LDG_ASSERT(st->listed);
    }
    st->listed[st->listed_len++] = (uint32_t)(e - st->map.entries);
    e->listed = 1;
}

static entry *find(ldg_state *st, const void *key, size_t klen, bool create)
{
    return map_find(&st->map, key, klen, create, arena_copy, &st->mem);
}

ldg_err ldg_state_get(ldg_state *st, const void *key, size_t klen, const uint8_t **val,
                      size_t *vlen, bool *found)
{
    entry *e = find(st, key, klen, true);
    if (!e->known) {
        uint8_t *v = NULL;
        size_t n = 0;
        ldg_err err = st->base.get(st->base.arg, key, klen, &v, &n);
        if (err != LDG_OK && err != LDG_ERR_NOT_FOUND)
            return err;
        e = find(st, key, klen, false); /* the base read cannot move entries, but be safe */
        e->known = 1;
        e->exists = err == LDG_OK;
        if (e->exists) {
            LDG_ASSERT(n < UINT32_MAX);
            e->val = arena_copy(&st->mem, v, n);
            e->vlen = (uint32_t)n;
        }
        free(v);
    }
    *found = e->exists;
    *val = e->exists ? e->val : NULL;
    *vlen = e->exists ? e->vlen : 0;
    return LDG_OK;
}

ldg_err ldg_state_prefetch(ldg_state *st, size_t n, const uint8_t *const *keys, const size_t *klens)
{
    if (!st->base.multi_get || n == 0)
        return LDG_OK;
    const uint8_t **want = malloc(n * sizeof *want);
    size_t *wlen = malloc(n * sizeof *wlen), *vlens = calloc(n, sizeof *vlens), k = 0;
    uint32_t *at = malloc(n * sizeof *at);
    uint8_t **vals = calloc(n, sizeof *vals);
    bool *found = calloc(n, sizeof *found);
    LDG_ASSERT(want && wlen && vlens && at && vals && found);
    /* One lookup per key: an absent key gets its (unknown) entry now, and the entry's
     * index is kept (creating entries may move them). Read only the keys still unknown. */
    for (size_t i = 0; i < n; i++) {
        entry *e = find(st, keys[i], klens[i], true);
        if (e->known)
            continue;
        at[k] = (uint32_t)(e - st->map.entries);
        want[k] = keys[i];
        wlen[k++] = klens[i];
    }
    ldg_err err = k ? st->base.multi_get(st->base.arg, k, want, wlen, vals, vlens, found) : LDG_OK;
    for (size_t i = 0; err == LDG_OK && i < k; i++) {
        entry *e = &st->map.entries[at[i]];
        if (e->known)
            continue; /* the same key twice in the list */
        e->known = 1;
        e->exists = found[i];
        if (found[i]) {
            LDG_ASSERT(vlens[i] < UINT32_MAX);
            e->val = arena_copy(&st->mem, vals[i], vlens[i]);
            e->vlen = (uint32_t)vlens[i];
        }
    }
    for (size_t i = 0; i < k; i++)
        free(vals[i]);
    free(want);
    free(wlen);
    free(vlens);
    free(at);
    free(vals);
    free(found);
    return err;
}

static void journal(ldg_state *st, entry *e)
{
    if (!st->in_tx)
        return;
    if (st->journal_len == st->journal_cap) {
        st->journal_cap = st->journal_cap ? st->journal_cap * 2 : 64;
        st->journal = realloc(st->journal, st->journal_cap * sizeof *st->journal);
        LDG_ASSERT(st->journal);
    }
    st->journal[st->journal_len++] = (journal_rec){
        .idx = (uint32_t)(e - st->map.entries),
        .vlen = e->vlen,
        .val = e->val,
        .known = e->known,
        .exists = e->exists,
        .dirty = e->dirty,
    };
}

void ldg_state_put(ldg_state *st, const void *key, size_t klen, const void *val, size_t vlen)
{
    LDG_ASSERT(vlen < UINT32_MAX);
    entry *e = find(st, key, klen, true);
    journal(st, e);
    e->val = arena_copy(&st->mem, val, vlen);
    e->vlen = (uint32_t)vlen;
    e->known = e->exists = 1;
    mark_dirty(st, e);
}

void ldg_state_del(ldg_state *st, const void *key, size_t klen)
{
    entry *e = find(st, key, klen, true);
    journal(st, e);
    e->val = NULL;
    e->vlen = 0;
    e->known = 1;
    e->exists = 0;
    mark_dirty(st, e);
}

void ldg_state_tx_begin(ldg_state *st)
{
    LDG_ASSERT(!st->in_tx);
    st->in_tx = true;
    st->journal_len = 0;
    st->notes_at_tx = st->notes_len;
    st->note_buf_at_tx = st->note_buf_len;
}

void ldg_state_tx_commit(ldg_state *st)
{
    LDG_ASSERT(st->in_tx);
    st->in_tx = false;
    st->journal_len = 0;
}

void ldg_state_tx_rollback(ldg_state *st)
{
    LDG_ASSERT(st->in_tx);
    while (st->journal_len > 0) {
        journal_rec *j = &st->journal[--st->journal_len];
        entry *e = &st->map.entries[j->idx];
        e->val = j->val;
        e->vlen = j->vlen;
        e->known = j->known;
        e->exists = j->exists;
        e->dirty = j->dirty;
    }
    st->notes_len = st->notes_at_tx;
    st->note_buf_len = st->note_buf_at_tx;
    st->in_tx = false;
}

/* ---- notes ---- */

void ldg_state_set_origin(ldg_state *st, const ldg_note_origin *o)
{
    if (o)
        st->origin = *o;
    else
        memset(&st->origin, 0, sizeof st->origin);
}

const ldg_note_origin *ldg_state_origin(const ldg_state *st)
{
    return &st->origin;
}

static void note_buf_add(ldg_state *st, const void *p, size_t n)
{
    if (st->note_buf_len + n > st->note_buf_cap) {
        size_t cap = st->note_buf_cap ? st->note_buf_cap : 4096;
        while (cap < st->note_buf_len + n)
            cap *= 2;
        st->note_buf = realloc(st->note_buf, cap);
        LDG_ASSERT(st->note_buf);
        st->note_buf_cap = cap;
    }
    memcpy(st->note_buf + st->note_buf_len, p, n);
    st->note_buf_len += n;
}

/* Layout in note_buf: nkeys, then per key [positioned, klen, key], then the value. */
void ldg_state_note(ldg_state *st, const ldg_note_key *keys, size_t nkeys, const void *val,
                    size_t vlen)
{
    LDG_ASSERT(nkeys >= 1 && nkeys <= LDG_NOTE_KEYS_MAX && vlen <= LDG_NOTE_VALUE_MAX);
    if (st->notes_len == st->notes_cap) {
        st->notes_cap = st->notes_cap ? st->notes_cap * 2 : 64;
        st->notes = realloc(st->notes, st->notes_cap * sizeof *st->notes);
        LDG_ASSERT(st->notes);
    }
    size_t off = st->note_buf_len;
    uint8_t n = (uint8_t)nkeys;
    note_buf_add(st, &n, 1);
    for (size_t i = 0; i < nkeys; i++) {
        size_t room = LDG_NOTE_KEY_LEN_MAX - (keys[i].positioned ? 12 : 0);
        LDG_ASSERT(keys[i].klen >= 1 && keys[i].klen <= room && keys[i].key[0] != 0);
        uint8_t hdr[2] = {keys[i].positioned, (uint8_t)keys[i].klen};
        note_buf_add(st, hdr, 2);
        note_buf_add(st, keys[i].key, keys[i].klen);
    }
    note_buf_add(st, val, vlen);
    st->notes[st->notes_len++] =
        (struct note_rec){.origin = st->origin, .off = off, .len = st->note_buf_len - off};
}

size_t ldg_state_note_count(const ldg_state *st)
{
    return st->notes_len;
}

void ldg_state_note_at(const ldg_state *st, size_t i, ldg_note *out)
{
    LDG_ASSERT(i < st->notes_len);
    const struct note_rec *r = &st->notes[i];
    const uint8_t *p = st->note_buf + r->off, *end = p + r->len;
    memset(out, 0, sizeof *out);
    out->origin = r->origin;
    out->seq = (uint32_t)i;
    out->nkeys = *p++;
    for (size_t k = 0; k < out->nkeys; k++) {
        out->keys[k].positioned = p[0];
        out->keys[k].klen = p[1];
        out->keys[k].key = p + 2;
        p += 2 + out->keys[k].klen;
    }
    out->val = p;
    out->vlen = (size_t)(end - p);
}

static size_t collect_dirty(ldg_state *st, const uint8_t *prefix, size_t plen)
{
    size_t n = 0;
    for (size_t i = 0; i < st->listed_len; i++) {
        entry *e = &st->map.entries[st->listed[i]];
        if (!e->dirty || e->klen < plen || memcmp(e->key, prefix, plen) != 0)
            continue;
        if (n == st->writes_cap) {
            st->writes_cap = st->writes_cap ? st->writes_cap * 2 : 256;
            st->writes = realloc(st->writes, st->writes_cap * sizeof *st->writes);
            LDG_ASSERT(st->writes);
        }
        st->writes[n++] = (ldg_write){e->key, e->klen, e->exists ? e->val : NULL, e->vlen};
    }
    sort_writes(st->writes, n);
    return n;
}

size_t ldg_state_writes(ldg_state *st, const ldg_write **out)
{
    size_t n = collect_dirty(st, (const uint8_t *)"", 0);
    *out = st->writes;
    return n;
}

/* Merge of the base's ordered rows with the overlay's sorted dirty rows. */
typedef struct scan_merge {
    const ldg_write *dirty;
    size_t ndirty, pos, rows, max_rows;
    bool stopped;
    bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t);
    void *arg;
} scan_merge;

static bool emit(scan_merge *m, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (m->rows >= m->max_rows || !m->fn(m->arg, k, kl, v, vl)) {
        m->stopped = true;
        return false;
    }
    m->rows++;
    return true;
}

static bool emit_dirty_below(scan_merge *m, const uint8_t *k, size_t kl, bool *same)
{
    *same = false;
    while (m->pos < m->ndirty) {
        const ldg_write *w = &m->dirty[m->pos];
        int c = k ? key_cmp(w->key, w->klen, k, kl) : -1;
        if (c > 0)
            break;
        if (c == 0)
            *same = true;
        m->pos++;
        if (w->val && !emit(m, w->key, w->klen, w->val, w->vlen))
            return false;
        if (c == 0)
            break;
    }
    return true;
}

static bool merge_base_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    scan_merge *m = arg;
    bool same;
    if (!emit_dirty_below(m, k, kl, &same))
        return false;
    if (same)
        return true; /* the overlay's version (or its delete) was emitted */
    return emit(m, k, kl, v, vl);
}

/* A base without scan_from: its rows before start are read and skipped. */
typedef struct skip_below {
    const uint8_t *start;
    size_t slen;
    scan_merge *m;
} skip_below;

static bool skip_base_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    skip_below *s = arg;
    if (key_cmp(k, kl, s->start, s->slen) < 0)
        return true;
    return merge_base_row(s->m, k, kl, v, vl);
}

static ldg_err scan_impl(ldg_state *st, const uint8_t *prefix, size_t plen, const uint8_t *start,
                         size_t slen, size_t max_rows,
                         bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                         void *arg)
{
    size_t n = collect_dirty(st, prefix, plen);
    size_t from = 0; /* the overlay's rows before start are not part of the scan */
    while (start && from < n &&
           key_cmp(st->writes[from].key, st->writes[from].klen, start, slen) < 0)
        from++;
    n -= from;
    /* Copy the sorted dirty rows: the callback may read state and reuse st->writes. */
    ldg_write *dirty = NULL;
    if (n) {
        dirty = malloc(n * sizeof *dirty);
        LDG_ASSERT(dirty);
        memcpy(dirty, st->writes + from, n * sizeof *dirty);
    }
    scan_merge m = {.dirty = dirty, .ndirty = n, .max_rows = max_rows, .fn = fn, .arg = arg};
    ldg_err err;
    if (!start)
        err = st->base.scan(st->base.arg, prefix, plen, merge_base_row, &m);
    else if (st->base.scan_from)
        err = st->base.scan_from(st->base.arg, prefix, plen, start, slen, merge_base_row, &m);
    else
        err = st->base.scan(st->base.arg, prefix, plen, skip_base_row,
                            &(skip_below){start, slen, &m});
    if (err == LDG_OK && !m.stopped) {
        bool same;
        emit_dirty_below(&m, NULL, 0, &same);
    }
    free(dirty);
    return err;
}

ldg_err ldg_state_scan(ldg_state *st, const void *prefix, size_t plen, size_t max_rows,
                       bool (*fn)(void *arg, const uint8_t *k, size_t kl, const uint8_t *v,
                                  size_t vl),
                       void *arg)
{
    return scan_impl(st, prefix, plen, NULL, 0, max_rows, fn, arg);
}

ldg_err ldg_state_scan_from(
    ldg_state *st, const void *prefix, size_t plen, const void *start, size_t slen, size_t max_rows,
    bool (*fn)(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl), void *arg)
{
    LDG_ASSERT(slen >= plen && memcmp(start, prefix, plen) == 0);
    return scan_impl(st, prefix, plen, start, slen, max_rows, fn, arg);
}

static void be32(uint8_t out[4], uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

void ldg_state_root(ldg_hash *out, const ldg_hash *prev_root, uint64_t height,
                    const ldg_write *writes, size_t count)
{
    ldg_hasher wh;
    ldg_hasher_init_tagged(&wh, LDG_TAG_WRITE);
    for (size_t i = 0; i < count; i++) {
        uint8_t hdr[4];
        be32(hdr, (uint32_t)writes[i].klen);
        ldg_hasher_update(&wh, hdr, 4);
        ldg_hasher_update(&wh, writes[i].key, writes[i].klen);
        uint8_t flag = writes[i].val != NULL;
        ldg_hasher_update(&wh, &flag, 1);
        be32(hdr, (uint32_t)(flag ? writes[i].vlen : 0));
        ldg_hasher_update(&wh, hdr, 4);
        if (flag)
            ldg_hasher_update(&wh, writes[i].val, writes[i].vlen);
    }
    ldg_hash whash;
    ldg_hasher_final(&wh, &whash);
    uint8_t buf[LDG_HASH_LEN + 8 + LDG_HASH_LEN];
    memcpy(buf, prev_root->b, LDG_HASH_LEN);
    for (int i = 0; i < 8; i++)
        buf[LDG_HASH_LEN + i] = (uint8_t)(height >> (56 - 8 * i));
    memcpy(buf + LDG_HASH_LEN + 8, whash.b, LDG_HASH_LEN);
    ldg_tagged_hash(out, LDG_TAG_STATE, buf, sizeof buf);
}

/* ---- in-memory base ---- */

struct ldg_memkv {
    kvmap map;
};

static uint8_t *heap_copy(void *arg, const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    LDG_ASSERT(d);
    memcpy(d, p, n);
    return d;
}

ldg_memkv *ldg_memkv_new(void)
{
    ldg_memkv *m = calloc(1, sizeof *m);
    LDG_ASSERT(m);
    map_init(&m->map);
    return m;
}

void ldg_memkv_free(ldg_memkv *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->map.count; i++) {
        free(m->map.entries[i].key);
        free(m->map.entries[i].val);
    }
    map_free(&m->map);
    free(m);
}

static ldg_err memkv_get(void *arg, const uint8_t *key, size_t klen, uint8_t **val, size_t *vlen)
{
    ldg_memkv *m = arg;
    entry *e = map_find(&m->map, key, klen, false, heap_copy, NULL);
    if (!e || !e->exists)
        return LDG_ERR_NOT_FOUND;
    *val = heap_copy(NULL, e->val, e->vlen);
    *vlen = e->vlen;
    return LDG_OK;
}

static ldg_err memkv_scan(void *arg, const uint8_t *prefix, size_t plen,
                          bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                          void *fa)
{
    ldg_memkv *m = arg;
    ldg_write *rows = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < m->map.count; i++) {
        entry *e = &m->map.entries[i];
        if (!e->exists || e->klen < plen || memcmp(e->key, prefix, plen) != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            rows = realloc(rows, cap * sizeof *rows);
            LDG_ASSERT(rows);
        }
        rows[n++] = (ldg_write){e->key, e->klen, e->val, e->vlen};
    }
    sort_writes(rows, n);
    for (size_t i = 0; i < n; i++)
        if (!fn(fa, rows[i].key, rows[i].klen, rows[i].val, rows[i].vlen))
            break;
    free(rows);
    return LDG_OK;
}

static ldg_err memkv_multi_get(void *arg, size_t n, const uint8_t *const *keys, const size_t *klens,
                               uint8_t **vals, size_t *vlens, bool *found)
{
    for (size_t i = 0; i < n; i++) {
        found[i] = memkv_get(arg, keys[i], klens[i], &vals[i], &vlens[i]) == LDG_OK;
        if (!found[i])
            vals[i] = NULL, vlens[i] = 0;
    }
    return LDG_OK;
}

ldg_state_base ldg_memkv_base(ldg_memkv *m)
{
    return (ldg_state_base){memkv_get, memkv_scan, m, memkv_multi_get, NULL, NULL};
}

void ldg_memkv_apply(ldg_memkv *m, const ldg_write *writes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        entry *e = map_find(&m->map, writes[i].key, writes[i].klen, true, heap_copy, NULL);
        free(e->val);
        e->val = NULL;
        e->vlen = 0;
        e->exists = writes[i].val != NULL;
        if (e->exists) {
            e->val = heap_copy(NULL, writes[i].val, writes[i].vlen);
            e->vlen = (uint32_t)writes[i].vlen;
        }
        e->known = 1;
    }
}

size_t ldg_memkv_count(const ldg_memkv *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->map.count; i++)
        n += m->map.entries[i].exists;
    return n;
}
