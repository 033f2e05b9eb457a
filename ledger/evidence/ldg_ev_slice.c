/* Slices in memory and in their files, and the two-thread ingest pipeline (specs/evidence.md
 * §2, §2.2). */
#include "ldg_ev.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define SLICE_MAGIC "folio/ev-slice"
#define SLICE_RAW_MAX LDG_EV_SLICE_RAW_MAX

static void blob_add(ldg_ev_blob *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->d = realloc(b->d, cap);
        LDG_ASSERT(b->d);
        b->cap = cap;
    }
    if (n)
        memcpy(b->d + b->len, d, n);
    b->len += n;
}

void ldg_ev_slice_clear(ldg_ev_slice *s)
{
    free(s->rec.d);
    free(s->line.d);
    free(s->rec_off);
    free(s->line_off);
    free(s->times);
    free(s->ids);
    free(s->leaves);
    free(s->links.d);
    memset(s, 0, sizeof *s);
}

/* Empties s, keeping its memory for the next slice (no page faults on refill). */
static void slice_reset(ldg_ev_slice *s)
{
    s->n = 0;
    s->rec.len = s->line.len = s->links.len = 0;
}

void ldg_ev_slice_add(ldg_ev_slice *s, const uint8_t *rec, size_t rl, const uint8_t *line,
                      size_t ll, const ldg_hash *id, uint64_t time_ms)
{
    if (s->n + 1 >= s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->rec_off = realloc(s->rec_off, s->cap * sizeof *s->rec_off);
        s->line_off = realloc(s->line_off, s->cap * sizeof *s->line_off);
        s->times = realloc(s->times, s->cap * sizeof *s->times);
        s->ids = realloc(s->ids, s->cap * sizeof *s->ids);
        LDG_ASSERT(s->rec_off && s->line_off && s->times && s->ids);
    }
    s->rec_off[s->n] = s->rec.len;
    s->line_off[s->n] = s->line.len;
    blob_add(&s->rec, rec, rl);
    blob_add(&s->line, line, ll);
    s->times[s->n] = time_ms;
    s->ids[s->n] = *id;
    s->n++;
    s->rec_off[s->n] = s->rec.len;
    s->line_off[s->n] = s->line.len;
}

/* Salts, leaves (kept for proofs), root and time range of a slice. */
void ldg_ev_slice_seal(ldg_ev_slice *s)
{
    if (s->n == 0) {
        ldg_ev_root(&s->root, NULL, 0);
        return;
    }
    if (s->n > s->leaves_cap) {
        free(s->leaves);
        s->leaves = malloc(s->n * sizeof *s->leaves);
        LDG_ASSERT(s->leaves);
        s->leaves_cap = s->n;
    }
    s->t_first = UINT64_MAX;
    s->t_last = 0;
    ldg_hash salts[LDG_EV_TILE_RECORDS];
    for (size_t i = 0; i < s->n; i++) {
        if (i % LDG_EV_TILE_RECORDS == 0)
            ldg_ev_salts(salts, s->version, s->key, i,
                         s->n - i < LDG_EV_TILE_RECORDS ? s->n - i : LDG_EV_TILE_RECORDS);
        ldg_ev_leaf(&s->leaves[i], &salts[i % LDG_EV_TILE_RECORDS], &s->ids[i]);
        s->t_first = s->times[i] < s->t_first ? s->times[i] : s->t_first;
        s->t_last = s->times[i] > s->t_last ? s->times[i] : s->t_last;
    }
    ldg_ev_root(&s->root, s->leaves, s->n);
}

/* Level -1 (zstd's fastest level above its "fast" acceleration ladder): about 10 % less CPU
 * per record than level 1 for 3 % more bytes (bench_evidence); lower levels cost far more
 * bytes for a few % more. */
#define ZSTD_LEVEL (-1)

/* Reusable buffers of one encoder (the worker keeps them from slice to slice). */
typedef struct ev_coder {
    ZSTD_CCtx *cc;
    ldg_enc raw;   /* the head */
    uint8_t *tile; /* a tile's raw msgpack */
    size_t tile_cap, tile_len;
    uint8_t *z; /* the tiles' frames, then the whole file */
    size_t zcap, zlen;
    uint8_t *out;
    size_t out_cap;
} ev_coder;

static void grow(uint8_t **b, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 1 << 16;
    while (c < need)
        c *= 2;
    *b = realloc(*b, c);
    LDG_ASSERT(*b);
    *cap = c;
}

/* Compresses (raw, rl) as one frame appended to (*b, *len). */
static size_t frame_into(ev_coder *c, const uint8_t *raw, size_t rl, uint8_t **b, size_t *cap,
                         size_t *len)
{
    size_t need = ZSTD_compressBound(rl);
    grow(b, cap, *len + need);
    size_t zl = ZSTD_compressCCtx(c->cc, *b + *len, need, raw, rl, ZSTD_LEVEL);
    LDG_ASSERT(!ZSTD_isError(zl));
    *len += zl;
    return zl;
}

static uint64_t seq_at(const ldg_ev_slice *s, size_t i)
{
    ldg_ev_record r;
    LDG_ASSERT(
        ldg_ev_record_decode(&r, s->rec.d + s->rec_off[i], s->rec_off[i + 1] - s->rec_off[i]));
    return r.seq;
}

/* msgpack headers, the canonical (smallest) forms msgpack-c writes: written here directly,
 * since a tile is 2 × 256 of them and their bytes are copied once, into a buffer sized first. */
static uint8_t *put_be(uint8_t *p, uint8_t tag, uint64_t v, int n)
{
    *p++ = tag;
    for (int i = n - 1; i >= 0; i--)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_array(uint8_t *p, size_t n)
{
    return n < 16 ? put_be(p, (uint8_t)(0x90 | n), 0, 0) : put_be(p, 0xdc, n, 2);
}

static uint8_t *put_bin(uint8_t *p, const uint8_t *d, size_t n)
{
    p = n < 256 ? put_be(p, 0xc4, n, 1) : n < 65536 ? put_be(p, 0xc5, n, 2) : put_be(p, 0xc6, n, 4);
    memcpy(p, d, n);
    return p + n;
}

/* A record's last field, the payload hash: bin8 of 32 bytes. */
#define PAYLOAD_FIELD (2 + LDG_HASH_LEN)

/* Tile k of a sealed slice as its raw msgpack, [[record_bytes…], [line…]], into c->tile. */
static void encode_tile(const ldg_ev_slice *s, size_t k, ev_coder *c)
{
    size_t a = k * LDG_EV_TILE_RECORDS,
           b = a + LDG_EV_TILE_RECORDS < s->n ? a + LDG_EV_TILE_RECORDS : s->n;
    /* at most 5 header bytes a bin, 3 an array */
    size_t need = 1 + 2 * 3 + 2 * 5 * (b - a) + (s->rec_off[b] - s->rec_off[a]) +
                  (s->purged ? 0 : s->line_off[b] - s->line_off[a]);
    grow(&c->tile, &c->tile_cap, need);
    uint8_t *p = put_array(c->tile, 2);
    p = put_array(p, b - a);
    /* Version 3 with the lines: each record without its last field, the payload hash (34
     * bytes of 40 % of them incompressible, which cost zstd more than the lines), rebuilt from
     * its line at reading (§2.2). */
    size_t cut = s->version >= 3 && !s->purged ? PAYLOAD_FIELD : 0;
    for (size_t i = a; i < b; i++)
        p = put_bin(p, s->rec.d + s->rec_off[i], s->rec_off[i + 1] - s->rec_off[i] - cut);
    if (s->purged) { /* retention: the lines are gone, the records and the tree stay */
        *p++ = 0xc0; /* nil */
    } else {
        p = put_array(p, b - a);
        for (size_t i = a; i < b; i++)
            p = put_bin(p, s->line.d + s->line_off[i], s->line_off[i + 1] - s->line_off[i]);
    }
    c->tile_len = (size_t)(p - c->tile);
}

/* The head frame (§2.2) of a slice of `tiles` tiles, their frame lengths and roots, into
 * (*b, *len). */
static void head_frame(const ldg_ev_slice *s, size_t tiles, const uint64_t *zlen,
                       const ldg_hash *roots, ev_coder *c, uint8_t **b, size_t *cap, size_t *len)
{
    ldg_enc_reset(&c->raw);
    ldg_enc_array(&c->raw, 6);
    ldg_enc_str(&c->raw, SLICE_MAGIC);
    ldg_enc_u64(&c->raw, s->version >= 3 ? 3 : 2);
    ldg_enc_bin(&c->raw, s->subject.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&c->raw, s->key, 32);
    ldg_enc_u64(&c->raw, s->n);
    ldg_enc_array(&c->raw, (uint32_t)tiles);
    for (size_t k = 0; k < tiles; k++) {
        ldg_enc_array(&c->raw, 3);
        ldg_enc_u64(&c->raw, zlen[k]);
        ldg_enc_u64(&c->raw, seq_at(s, k * LDG_EV_TILE_RECORDS));
        ldg_enc_bin(&c->raw, roots[k].b, LDG_HASH_LEN);
    }
    frame_into(c, ldg_enc_data(&c->raw), ldg_enc_len(&c->raw), b, cap, len);
}

static size_t tile_count(const ldg_ev_slice *s)
{
    return (s->n + LDG_EV_TILE_RECORDS - 1) / LDG_EV_TILE_RECORDS;
}

/* The root of tile k of a slice whose leaves are set. */
static void tile_root(const ldg_ev_slice *s, size_t k, ldg_hash *out)
{
    size_t a = k * LDG_EV_TILE_RECORDS;
    ldg_ev_root(out, s->leaves + a,
                s->n - a < LDG_EV_TILE_RECORDS ? s->n - a : LDG_EV_TILE_RECORDS);
}

/* The slice file (§2.2) of a sealed slice: the head frame, then one frame per tile. Returns
 * its length in c->out. */
static size_t encode_file(const ldg_ev_slice *s, ev_coder *c)
{
    size_t tiles = tile_count(s), len = 0;
    uint64_t zlen[LDG_EV_TILES_MAX];
    ldg_hash roots[LDG_EV_TILES_MAX];
    c->zlen = 0;
    for (size_t k = 0; k < tiles; k++) {
        encode_tile(s, k, c);
        zlen[k] = frame_into(c, c->tile, c->tile_len, &c->z, &c->zcap, &c->zlen);
        tile_root(s, k, &roots[k]);
    }
    head_frame(s, tiles, zlen, roots, c, &c->out, &c->out_cap, &len);
    grow(&c->out, &c->out_cap, len + c->zlen);
    memcpy(c->out + len, c->z, c->zlen);
    return len + c->zlen;
}

static void coder_init(ev_coder *c)
{
    memset(c, 0, sizeof *c);
    c->cc = ZSTD_createCCtx();
    LDG_ASSERT(c->cc);
    ldg_enc_init(&c->raw);
}

static void coder_free(ev_coder *c)
{
    ZSTD_freeCCtx(c->cc);
    ldg_enc_free(&c->raw);
    free(c->tile);
    free(c->z);
    free(c->out);
}

uint8_t *ldg_ev_slice_encode(const ldg_ev_slice *s, size_t *len)
{
    ev_coder c;
    coder_init(&c);
    *len = encode_file(s, &c);
    uint8_t *out = c.out;
    c.out = NULL;
    coder_free(&c);
    return out;
}

/* Decompresses the frame at z (exactly zl bytes, at most max raw) into a malloc'd buffer. */
static uint8_t *unframe(const uint8_t *z, size_t zl, size_t max, size_t *len)
{
    unsigned long long raw_len = ZSTD_getFrameContentSize(z, zl);
    if (raw_len == ZSTD_CONTENTSIZE_UNKNOWN || raw_len == ZSTD_CONTENTSIZE_ERROR || raw_len > max ||
        ZSTD_findFrameCompressedSize(z, zl) != zl)
        return NULL;
    uint8_t *raw = malloc(raw_len ? raw_len : 1);
    LDG_ASSERT(raw);
    size_t got = ZSTD_decompress(raw, raw_len, z, zl);
    if (ZSTD_isError(got) || got != raw_len) {
        free(raw);
        return NULL;
    }
    *len = got;
    return raw;
}

/* A version 3 record stored without its payload hash (rb, rl) made whole again from its line,
 * into full; false if it cannot be a record. */
static bool rebuild(const uint8_t *rb, size_t rl, const uint8_t *line, size_t ll,
                    uint8_t full[LDG_EV_RECORD_BYTES_MAX], size_t *len)
{
    if (rl + PAYLOAD_FIELD > LDG_EV_RECORD_BYTES_MAX)
        return false;
    memcpy(full, rb, rl);
    full[rl] = 0xc4, full[rl + 1] = LDG_HASH_LEN;
    ldg_hash ph;
    ldg_ev_th_at(&ph, LDG_EV_T_PAYLOAD, line, ll);
    memcpy(full + rl + 2, ph.b, LDG_HASH_LEN);
    *len = rl + PAYLOAD_FIELD;
    return true;
}

/* Adds the records of one decoded [[record…], [line…]] (of exactly want records). */
static bool add_records(ldg_ev_slice *s, const msgpack_object *recs, const msgpack_object *lines,
                        uint32_t nr)
{
    uint8_t full[LDG_EV_RECORD_BYTES_MAX];
    for (uint32_t i = 0; i < nr; i++) {
        const uint8_t *rb, *lb;
        size_t rl, ll;
        ldg_ev_record r;
        ldg_hash id;
        lb = NULL, ll = 0;
        if (!ldg_obj_bin_ref(&recs[i], 4096, &rb, &rl) ||
            (lines && !ldg_obj_bin_ref(&lines[i], LDG_EV_LINE_MAX, &lb, &ll)))
            return false;
        if (lines && s->version >= 3) {
            if (!rebuild(rb, rl, lb, ll, full, &rl))
                return false;
            rb = full;
        }
        if (!ldg_ev_record_decode(&r, rb, rl))
            return false;
        ldg_ev_record_id(&id, rb, rl);
        ldg_ev_slice_add(s, rb, rl, ll ? lb : (const uint8_t *)"", ll, &id, r.time_ms);
    }
    return true;
}

/* One tile frame's raw bytes into s (it must hold exactly want records). */
bool ldg_ev_tile_add(ldg_ev_slice *s, const uint8_t *raw, size_t len, uint32_t want)
{
    ldg_dec d;
    if (ldg_decode(&d, raw, len) != LDG_OK)
        return false;
    const msgpack_object *f, *recs, *lines = NULL;
    uint32_t nr, nl = 0;
    bool ok = ldg_obj_array(d.root, 2, &f) &&
              ldg_obj_array_any(&f[0], LDG_EV_TILE_RECORDS, &recs, &nr) && nr == want;
    bool purged = ok && f[1].type == MSGPACK_OBJECT_NIL; /* §2.3 retention */
    ok = ok &&
         (purged || (ldg_obj_array_any(&f[1], LDG_EV_TILE_RECORDS, &lines, &nl) && nl == want)) &&
         add_records(s, recs, lines, nr);
    s->purged |= purged;
    ldg_dec_free(&d);
    return ok;
}

/* Version 1 (one frame holding everything): still read, never written. */
static bool decode_v1(ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    size_t got;
    uint8_t *raw = unframe(z, zl, SLICE_RAW_MAX, &got);
    ldg_dec d;
    if (!raw || ldg_decode(&d, raw, got) != LDG_OK) {
        free(raw);
        return false;
    }
    const msgpack_object *f, *recs, *lines;
    uint32_t nr, nl;
    uint64_t version;
    char magic[32];
    bool ok = ldg_obj_array(d.root, 6, &f) && ldg_obj_str(&f[0], magic, sizeof magic - 1, false) &&
              !strcmp(magic, SLICE_MAGIC) && ldg_obj_u64(&f[1], &version) && version == 1 &&
              ldg_obj_bin(&f[2], s->subject.b, LDG_ACCOUNT_LEN) && ldg_obj_bin(&f[3], s->key, 32) &&
              ldg_obj_array_any(&f[4], LDG_EV_SLICE_RECORDS_MAX, &recs, &nr) &&
              ldg_obj_array_any(&f[5], LDG_EV_SLICE_RECORDS_MAX, &lines, &nl) && nr == nl &&
              nr > 0 && add_records(s, recs, lines, nr);
    ldg_dec_free(&d);
    free(raw);
    return ok;
}

static bool decode_v2(ldg_ev_slice *s, const ldg_ev_slice_head *h, const uint8_t *z, size_t zl)
{
    s->version = (uint8_t)h->version;
    s->subject = h->subject;
    memcpy(s->key, h->key, 32);
    size_t pos = h->head_zlen, total = 0;
    for (uint32_t k = 0; k < h->tiles; k++) {
        size_t len;
        if (h->zlen[k] > zl - pos)
            return false;
        uint8_t *raw = unframe(z + pos, h->zlen[k], LDG_EV_TILE_RAW_MAX, &len);
        uint64_t want = h->n - (uint64_t)k * LDG_EV_TILE_RECORDS;
        bool ok =
            raw && (total += len) <= SLICE_RAW_MAX &&
            ldg_ev_tile_add(s, raw, len,
                            (uint32_t)(want < LDG_EV_TILE_RECORDS ? want : LDG_EV_TILE_RECORDS));
        free(raw);
        if (!ok)
            return false;
        pos += h->zlen[k];
    }
    if (pos != zl)
        return false;
    ldg_ev_slice_seal(s);
    for (uint32_t k = 0; k < h->tiles; k++) { /* the head's tile roots must be the tiles' */
        size_t a = (size_t)k * LDG_EV_TILE_RECORDS;
        ldg_hash r;
        ldg_ev_root(&r, s->leaves + a,
                    s->n - a < LDG_EV_TILE_RECORDS ? s->n - a : LDG_EV_TILE_RECORDS);
        if (memcmp(r.b, h->root[k].b, LDG_HASH_LEN) != 0)
            return false;
    }
    return true;
}

/* Decodes a slice file's bytes (hostile: the store is a folder anyone with access could
 * edit). Records are re-hashed and the root recomputed, so a changed file is caught. */
bool ldg_ev_slice_decode(ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    memset(s, 0, sizeof *s);
    ldg_ev_slice_head *h = malloc(sizeof *h);
    LDG_ASSERT(h);
    int v = ldg_ev_head_decode(h, z, zl);
    bool ok = v == 1 ? decode_v2(s, h, z, zl) : v == 2 ? decode_v1(s, z, zl) : false;
    free(h);
    if (ok && v == 2)
        ldg_ev_slice_seal(s);
    if (!ok)
        ldg_ev_slice_clear(s);
    return ok;
}

bool ldg_ev_slice_lines_ok(const ldg_ev_slice *s, size_t *bad)
{
    if (s->purged)
        return true; /* retention (§2.3): no lines left to check */
    for (size_t i = 0; i < s->n; i++) {
        ldg_ev_record r;
        ldg_hash h;
        if (!ldg_ev_record_decode(&r, s->rec.d + s->rec_off[i], s->rec_off[i + 1] - s->rec_off[i]))
            return *bad = i, false;
        ldg_ev_th(&h, LDG_TAG_EV_PAYLOAD, s->line.d + s->line_off[i],
                  s->line_off[i + 1] - s->line_off[i]);
        if (memcmp(h.b, r.payload_hash.b, LDG_HASH_LEN) != 0)
            return *bad = i, false;
    }
    return true;
}

/* ---- the pool: a bounded set of threads running hashing and compression jobs ---- */

/* Jobs of one kind that someone waits for; done (optional) runs once, on the thread that
 * finished the last job, before waiters return. */
typedef struct ev_group {
    size_t left;
    bool finished;
    void (*done)(void *arg, ev_coder *c);
    void *done_arg;
} ev_group;

typedef struct ev_job {
    void (*fn)(void *arg, size_t i, ev_coder *c);
    void *arg;
    size_t i;
    ev_group *g;
} ev_job;

/* Jobs queued at once: one slice's tiles and one batch's hash jobs. */
#define POOL_JOBS (LDG_EV_TILES_MAX + LDG_EV_BATCH_LINES / HASH_JOB_LINES + 16)
/* Lines per payload-hash job: ~150 KiB of hashing, enough to pay the queue's lock. */
#define HASH_JOB_LINES 512

typedef struct ev_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ev_job ring[POOL_JOBS];
    size_t head, count;
    bool stop;
    size_t nth;
    pthread_t th[LDG_EV_INGEST_THREADS_MAX];
    ev_coder coder[LDG_EV_INGEST_THREADS_MAX + 1]; /* [0]: the reader's */
} ev_pool;

typedef struct ev_worker_arg {
    ev_pool *p;
    ev_coder *c;
} ev_worker_arg;

/* Runs the next queued job; the lock is held on entry and on return. */
static void run_one(ev_pool *p, ev_coder *c)
{
    ev_job j = p->ring[p->head];
    p->head = (p->head + 1) % POOL_JOBS;
    p->count--;
    pthread_mutex_unlock(&p->mu);
    j.fn(j.arg, j.i, c);
    pthread_mutex_lock(&p->mu);
    if (--j.g->left > 0)
        return;
    if (j.g->done) {
        pthread_mutex_unlock(&p->mu);
        j.g->done(j.g->done_arg, c);
        pthread_mutex_lock(&p->mu);
    }
    j.g->finished = true;
    pthread_cond_broadcast(&p->cv);
}

static void *pool_worker(void *arg)
{
    ev_pool *p = ((ev_worker_arg *)arg)->p;
    ev_coder *c = ((ev_worker_arg *)arg)->c;
    free(arg);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->count)
            run_one(p, c);
        else if (p->stop)
            break;
        else
            pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Queues count > 0 jobs fn(arg, i) of group g (which the caller waits for with pool_wait). */
static void pool_submit(ev_pool *p, ev_group *g, void (*fn)(void *, size_t, ev_coder *), void *arg,
                        size_t count)
{
    LDG_ASSERT(count > 0);
    pthread_mutex_lock(&p->mu);
    g->left += count;
    g->finished = false;
    for (size_t i = 0; i < count; i++) {
        while (p->count == POOL_JOBS) /* cannot happen with POOL_JOBS's sizing; stays safe */
            run_one(p, &p->coder[0]);
        p->ring[(p->head + p->count++) % POOL_JOBS] = (ev_job){fn, arg, i, g};
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Waits for group g, running queued jobs meanwhile (the reader's thread is one of the pool's
 * while it waits). */
static void pool_wait(ev_pool *p, ev_group *g)
{
    pthread_mutex_lock(&p->mu);
    while (!g->finished) {
        if (p->count)
            run_one(p, &p->coder[0]);
        else
            pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* One thread per online core, at most LDG_EV_INGEST_THREADS_MAX. */
static ev_pool *pool_new(void)
{
    ev_pool *p = calloc(1, sizeof *p);
    LDG_ASSERT(p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cores < 1                           ? 1
               : cores > LDG_EV_INGEST_THREADS_MAX ? LDG_EV_INGEST_THREADS_MAX
                                                   : (size_t)cores;
    coder_init(&p->coder[0]);
    for (size_t i = 0; i < n; i++) {
        ev_worker_arg *wa = malloc(sizeof *wa);
        LDG_ASSERT(wa);
        coder_init(&p->coder[i + 1]);
        *wa = (ev_worker_arg){p, &p->coder[i + 1]};
        LDG_ASSERT(pthread_create(&p->th[i], NULL, pool_worker, wa) == 0);
        p->nth++;
    }
    return p;
}

static void pool_free(ev_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nth; i++)
        pthread_join(p->th[i], NULL);
    for (size_t i = 0; i <= p->nth; i++)
        coder_free(&p->coder[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* ---- the pipeline ---- */

/* A slice being sealed by the pool: one job per tile (its salts, leaves, root and zstd
 * frame), then the head frame and the sink (group done). */
typedef struct ev_seal {
    ldg_ev_slice s;
    size_t tiles;
    ldg_hash root[LDG_EV_TILES_MAX];
    uint64_t t_first[LDG_EV_TILES_MAX], t_last[LDG_EV_TILES_MAX];
    uint8_t *z[LDG_EV_TILES_MAX];
    size_t zcap[LDG_EV_TILES_MAX];
    uint64_t zlen[LDG_EV_TILES_MAX];
    uint8_t *out;
    size_t out_cap;
    ev_group g;
    bool busy;
    /* Set by done, read once the group is waited for. */
    bool failed;
    /* Set by the reader when it fails: the slice in the pool is dropped, not sunk. */
    atomic_bool abandon;
    uint64_t slices;
    ldg_ev_sink_fn sink;
    void *sink_arg;
} ev_seal;

static void seal_tile(void *arg, size_t k, ev_coder *c)
{
    ev_seal *z = arg;
    ldg_ev_slice *s = &z->s;
    size_t a = k * LDG_EV_TILE_RECORDS,
           b = a + LDG_EV_TILE_RECORDS < s->n ? a + LDG_EV_TILE_RECORDS : s->n;
    uint64_t lo = UINT64_MAX, hi = 0;
    ldg_hash salts[LDG_EV_TILE_RECORDS];
    ldg_ev_salts(salts, s->version, s->key, a, b - a);
    for (size_t i = a; i < b; i++) {
        ldg_ev_leaf(&s->leaves[i], &salts[i - a], &s->ids[i]);
        lo = s->times[i] < lo ? s->times[i] : lo;
        hi = s->times[i] > hi ? s->times[i] : hi;
    }
    z->t_first[k] = lo, z->t_last[k] = hi;
    tile_root(s, k, &z->root[k]);
    encode_tile(s, k, c);
    size_t len = 0;
    z->zlen[k] = frame_into(c, c->tile, c->tile_len, &z->z[k], &z->zcap[k], &len);
}

/* The slice's root is the tree over its tiles' roots (tiles are aligned subtrees of a power
 * of two), its file the head frame and the tiles' frames. */
static void seal_done(void *arg, ev_coder *c)
{
    ev_seal *z = arg;
    ldg_ev_slice *s = &z->s;
    if (z->failed || atomic_load(&z->abandon))
        return; /* an earlier slice was refused, or the file is bad: nothing more is stored */
    ldg_ev_root(&s->root, z->root, z->tiles);
    s->t_first = UINT64_MAX, s->t_last = 0;
    for (size_t k = 0; k < z->tiles; k++) {
        s->t_first = z->t_first[k] < s->t_first ? z->t_first[k] : s->t_first;
        s->t_last = z->t_last[k] > s->t_last ? z->t_last[k] : s->t_last;
    }
    size_t len = 0;
    head_frame(s, z->tiles, z->zlen, z->root, c, &z->out, &z->out_cap, &len);
    for (size_t k = 0; k < z->tiles; k++) {
        grow(&z->out, &z->out_cap, len + z->zlen[k]);
        memcpy(z->out + len, z->z[k], z->zlen[k]);
        len += z->zlen[k];
    }
    bool ok = z->sink(z->sink_arg, s, z->out, len);
    z->failed |= !ok;
    z->slices += ok;
}

/* Waits for the slice in the pool, if any; false if the ingest must stop. */
static bool seal_wait(ev_pool *p, ev_seal *z)
{
    if (z->busy)
        pool_wait(p, &z->g);
    z->busy = false;
    return !z->failed;
}

/* Hands the full slice cur to the pool (once the previous one is sealed) and gives the reader
 * the previous one's memory; false if a slice was refused. */
static bool hand_over(ev_pool *p, ev_seal *z, ldg_ev_slice *cur)
{
    if (!seal_wait(p, z))
        return false;
    if (cur->n == 0)
        return true;
    ldg_ev_slice prev = z->s;
    z->s = *cur;
    *cur = prev;
    slice_reset(cur);
    cur->subject = z->s.subject;
    ldg_ev_slice *s = &z->s;
    s->version = LDG_EV_SLICE_VERSION;
    if (ldg_random(s->key, sizeof s->key) != LDG_OK) {
        z->failed = true;
        return false;
    }
    if (s->n > s->leaves_cap) {
        free(s->leaves);
        s->leaves = malloc(s->n * sizeof *s->leaves);
        LDG_ASSERT(s->leaves);
        s->leaves_cap = s->n;
    }
    z->tiles = tile_count(s);
    z->g = (ev_group){.done = seal_done, .done_arg = z};
    z->busy = true;
    pool_submit(p, &z->g, seal_tile, z, z->tiles);
    return true;
}

static void hash_job(void *arg, size_t i, ev_coder *c)
{
    (void)c;
    ldg_ev_batch_hash(arg, i * HASH_JOB_LINES, (i + 1) * HASH_JOB_LINES);
}

/* Adds the records of a hashed batch to cur, handing full slices to the pool. */
static ldg_ev_rerr take_all(ldg_ev_reader *rd, ldg_ev_batch *b, ev_pool *p, ev_seal *z,
                            ldg_ev_slice *cur, ldg_ev_keep_fn keep, void *keep_arg,
                            ldg_ev_ingest_out *out)
{
    while (b->next < b->n) {
        ldg_ev_record r;
        const uint8_t *rb, *line;
        size_t bl, ll;
        ldg_hash id;
        bool skip;
        ldg_ev_rerr e = ldg_ev_reader_take(rd, b, &r, &rb, &bl, &line, &ll, &id, &skip);
        if (e != LDG_EV_ROK) {
            snprintf(out->error, sizeof out->error, "%s", ldg_ev_reader_error(rd));
            return e;
        }
        if (skip)
            continue;
        out->lines++;
        if (keep && !keep(keep_arg, &r))
            continue;
        ldg_ev_slice_add(cur, rb, bl, line, ll, &id, r.time_ms);
        for (uint32_t i = 0; i < r.link_count; i++) {
            blob_add(&cur->links, r.links[i].b, LDG_HASH_LEN);
            blob_add(&cur->links, id.b, LDG_HASH_LEN);
        }
        out->records++;
        if ((cur->n == LDG_EV_SLICE_RECORDS_MAX || cur->line.len >= LDG_EV_SLICE_BYTES_MAX) &&
            !hand_over(p, z, cur))
            return LDG_EV_IO;
    }
    return LDG_EV_ROK;
}

/* Reads batch after batch: the payload hashes on every core, then the records in order on
 * this thread while the pool seals the previous slice. */
static ldg_ev_rerr read_all(ldg_ev_reader *rd, ev_pool *p, ev_seal *z, ldg_ev_slice *cur,
                            ldg_ev_keep_fn keep, void *keep_arg, ldg_ev_ingest_out *out)
{
    ldg_ev_batch *b = malloc(sizeof *b);
    LDG_ASSERT(b);
    ldg_ev_rerr e = LDG_EV_ROK;
    for (;;) {
        bool done;
        e = ldg_ev_reader_batch(rd, b, &done);
        if (e != LDG_EV_ROK) {
            snprintf(out->error, sizeof out->error, "%s", ldg_ev_reader_error(rd));
            break;
        }
        if (done) {
            e = hand_over(p, z, cur) && seal_wait(p, z) ? LDG_EV_ROK : LDG_EV_IO;
            break;
        }
        ev_group g = {0};
        pool_submit(p, &g, hash_job, b, (b->n + HASH_JOB_LINES - 1) / HASH_JOB_LINES);
        pool_wait(p, &g);
        if ((e = take_all(rd, b, p, z, cur, keep, keep_arg, out)) != LDG_EV_ROK)
            break;
    }
    free(b);
    return e;
}

ldg_ev_rerr ldg_ev_ingest(FILE *f, const ldg_account *subject, const char *source,
                          ldg_ev_lookup_fn lookup, void *lookup_arg, ldg_ev_keep_fn keep,
                          void *keep_arg, ldg_ev_sink_fn sink, void *sink_arg,
                          ldg_ev_ingest_out *out)
{
    return ldg_ev_ingest_schema(f, subject, source, NULL, lookup, lookup_arg, keep, keep_arg, sink,
                                sink_arg, out);
}

ldg_ev_rerr ldg_ev_ingest_schema(FILE *f, const ldg_account *subject, const char *source,
                                 const ldg_ev_schema *schema, ldg_ev_lookup_fn lookup,
                                 void *lookup_arg, ldg_ev_keep_fn keep, void *keep_arg,
                                 ldg_ev_sink_fn sink, void *sink_arg, ldg_ev_ingest_out *out)
{
    memset(out, 0, sizeof *out);
    ldg_ev_reader *rd = ldg_ev_reader_new(f, subject, source, lookup, lookup_arg);
    if (!rd) {
        snprintf(out->error, sizeof out->error,
                 "the source name must be 1 to %d bytes of printable UTF-8", LDG_EV_SOURCE_LEN_MAX);
        return LDG_EV_IO;
    }
    if (schema)
        ldg_ev_reader_set_schema(rd, schema);
    ev_pool *p = pool_new();
    ev_seal *z = calloc(1, sizeof *z);
    LDG_ASSERT(z);
    z->sink = sink, z->sink_arg = sink_arg;
    ldg_ev_slice cur = {.subject = *subject};
    ldg_ev_rerr e = read_all(rd, p, z, &cur, keep, keep_arg, out);
    if (e != LDG_EV_ROK)
        atomic_store(&z->abandon, true);
    (void)seal_wait(p, z);
    pool_free(p);
    ldg_ev_slice_clear(&cur);
    ldg_ev_slice_clear(&z->s);
    for (size_t k = 0; k < LDG_EV_TILES_MAX; k++)
        free(z->z[k]);
    free(z->out);
    if (e == LDG_EV_ROK && z->failed) {
        e = LDG_EV_IO;
        snprintf(out->error, sizeof out->error, "a slice could not be stored");
    }
    out->slices = z->slices;
    free(z);
    if (e == LDG_EV_ROK)
        ldg_ev_reader_digest(rd, &out->digest);
    ldg_ev_reader_free(rd);
    return e;
}
