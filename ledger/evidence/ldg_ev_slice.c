/* Slices in memory and in their files, and the two-thread ingest pipeline (specs/evidence.md
 * §2, §2.2). */
#include "ldg_ev.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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
    for (size_t i = 0; i < s->n; i++) {
        ldg_hash salt;
        ldg_ev_salt(&salt, s->key, i);
        ldg_ev_leaf(&s->leaves[i], &salt, &s->ids[i]);
        s->t_first = s->times[i] < s->t_first ? s->times[i] : s->t_first;
        s->t_last = s->times[i] > s->t_last ? s->times[i] : s->t_last;
    }
    ldg_ev_root(&s->root, s->leaves, s->n);
}

/* Level 1: about twice level 3's speed; log lines still shrink about 4x. */
#define ZSTD_LEVEL 1

/* Reusable buffers of one encoder (the worker keeps them from slice to slice). */
typedef struct ev_coder {
    ZSTD_CCtx *cc;
    ldg_enc raw;
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

/* Compresses the encoder's raw bytes as one frame appended to (*b, *len). */
static size_t frame_into(ev_coder *c, uint8_t **b, size_t *cap, size_t *len)
{
    size_t need = ZSTD_compressBound(ldg_enc_len(&c->raw));
    grow(b, cap, *len + need);
    size_t zl = ZSTD_compressCCtx(c->cc, *b + *len, need, ldg_enc_data(&c->raw),
                                  ldg_enc_len(&c->raw), ZSTD_LEVEL);
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

/* Tile k of a sealed slice as its raw msgpack: [[record_bytes…], [line…]]. */
static void encode_tile(const ldg_ev_slice *s, size_t k, ldg_enc *e)
{
    size_t a = k * LDG_EV_TILE_RECORDS,
           b = a + LDG_EV_TILE_RECORDS < s->n ? a + LDG_EV_TILE_RECORDS : s->n;
    ldg_enc_reset(e);
    ldg_enc_array(e, 2);
    ldg_enc_array(e, (uint32_t)(b - a));
    for (size_t i = a; i < b; i++)
        ldg_enc_bin(e, s->rec.d + s->rec_off[i], s->rec_off[i + 1] - s->rec_off[i]);
    if (s->purged) { /* retention: the lines are gone, the records and the tree stay */
        ldg_enc_nil(e);
        return;
    }
    ldg_enc_array(e, (uint32_t)(b - a));
    for (size_t i = a; i < b; i++)
        ldg_enc_bin(e, s->line.d + s->line_off[i], s->line_off[i + 1] - s->line_off[i]);
}

/* The slice file (§2.2): the head frame, then one frame per tile. Returns its length in
 * c->out. */
static size_t encode_file(const ldg_ev_slice *s, ev_coder *c)
{
    size_t tiles = (s->n + LDG_EV_TILE_RECORDS - 1) / LDG_EV_TILE_RECORDS;
    uint64_t zlen[LDG_EV_TILES_MAX];
    c->zlen = 0;
    for (size_t k = 0; k < tiles; k++) {
        encode_tile(s, k, &c->raw);
        zlen[k] = frame_into(c, &c->z, &c->zcap, &c->zlen);
    }
    ldg_enc_reset(&c->raw);
    ldg_enc_array(&c->raw, 6);
    ldg_enc_str(&c->raw, SLICE_MAGIC);
    ldg_enc_u64(&c->raw, 2);
    ldg_enc_bin(&c->raw, s->subject.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&c->raw, s->key, 32);
    ldg_enc_u64(&c->raw, s->n);
    ldg_enc_array(&c->raw, (uint32_t)tiles);
    for (size_t k = 0; k < tiles; k++) {
        size_t a = k * LDG_EV_TILE_RECORDS,
               cnt = s->n - a < LDG_EV_TILE_RECORDS ? s->n - a : LDG_EV_TILE_RECORDS;
        ldg_hash root;
        ldg_ev_root(&root, s->leaves + a, cnt);
        ldg_enc_array(&c->raw, 3);
        ldg_enc_u64(&c->raw, zlen[k]);
        ldg_enc_u64(&c->raw, seq_at(s, a));
        ldg_enc_bin(&c->raw, root.b, LDG_HASH_LEN);
    }
    size_t len = 0;
    frame_into(c, &c->out, &c->out_cap, &len);
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

/* Adds the records of one decoded [[record…], [line…]] (of exactly want records). */
static bool add_records(ldg_ev_slice *s, const msgpack_object *recs, const msgpack_object *lines,
                        uint32_t nr)
{
    for (uint32_t i = 0; i < nr; i++) {
        const uint8_t *rb, *lb;
        size_t rl, ll;
        ldg_ev_record r;
        ldg_hash id;
        lb = NULL, ll = 0;
        if (!ldg_obj_bin_ref(&recs[i], 4096, &rb, &rl) ||
            (lines && !ldg_obj_bin_ref(&lines[i], LDG_EV_LINE_MAX, &lb, &ll)) ||
            !ldg_ev_record_decode(&r, rb, rl))
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

/* ---- the pipeline ---- */

typedef struct ev_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ldg_ev_slice slot;  /* handed to the worker */
    ldg_ev_slice spare; /* emptied by the worker, for the reader to fill next */
    bool full, has_spare, done, failed;
    ldg_ev_sink_fn sink;
    void *sink_arg;
    uint64_t slices;
} ev_pipe;

/* Seals, encodes, compresses and sinks one slice; the worker's buffers are reused. */
static bool process(ev_pipe *p, ldg_ev_slice *s, ev_coder *c)
{
    if (ldg_random(s->key, sizeof s->key) != LDG_OK)
        return false;
    ldg_ev_slice_seal(s);
    size_t zl = encode_file(s, c);
    return p->sink(p->sink_arg, s, c->out, zl);
}

static void *worker(void *arg)
{
    ev_pipe *p = arg;
    ev_coder c;
    coder_init(&c);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->full && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->full) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        ldg_ev_slice s = p->slot;
        bool stop = p->failed;
        pthread_mutex_unlock(&p->mu);
        bool ok = !stop && process(p, &s, &c);
        slice_reset(&s);
        pthread_mutex_lock(&p->mu);
        if (p->has_spare)
            ldg_ev_slice_clear(&p->spare);
        p->spare = s;
        p->has_spare = true;
        p->failed |= !ok;
        p->slices += ok;
        p->full = false;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    coder_free(&c);
    return NULL;
}

/* Moves cur to the worker (waiting for the previous slice to be taken) and gives the reader
 * the emptied spare; false if the worker failed. */
static bool hand_over(ev_pipe *p, ldg_ev_slice *cur)
{
    ldg_account subject = cur->subject;
    pthread_mutex_lock(&p->mu);
    while (p->full)
        pthread_cond_wait(&p->cv, &p->mu);
    bool ok = !p->failed;
    if (ok && cur->n) {
        p->slot = *cur;
        p->full = true;
        pthread_cond_broadcast(&p->cv);
        if (p->has_spare) {
            *cur = p->spare;
            p->has_spare = false;
        } else {
            memset(cur, 0, sizeof *cur);
        }
    } else {
        slice_reset(cur);
    }
    pthread_mutex_unlock(&p->mu);
    cur->subject = subject;
    return ok;
}

static ldg_ev_rerr read_all(ldg_ev_reader *rd, ev_pipe *p, ldg_ev_slice *cur, ldg_ev_keep_fn keep,
                            void *keep_arg, ldg_ev_ingest_out *out)
{
    for (;;) {
        ldg_ev_record r;
        const uint8_t *b, *line;
        size_t bl, ll;
        ldg_hash id;
        bool done;
        ldg_ev_rerr e = ldg_ev_reader_next(rd, &r, &b, &bl, &line, &ll, &id, &done);
        if (e != LDG_EV_ROK) {
            snprintf(out->error, sizeof out->error, "%s", ldg_ev_reader_error(rd));
            return e;
        }
        if (done)
            return hand_over(p, cur) ? LDG_EV_ROK : LDG_EV_IO;
        out->lines++;
        if (keep && !keep(keep_arg, &r))
            continue;
        ldg_ev_slice_add(cur, b, bl, line, ll, &id, r.time_ms);
        for (uint32_t i = 0; i < r.link_count; i++) {
            blob_add(&cur->links, r.links[i].b, LDG_HASH_LEN);
            blob_add(&cur->links, id.b, LDG_HASH_LEN);
        }
        out->records++;
        if ((cur->n == LDG_EV_SLICE_RECORDS_MAX || cur->line.len >= LDG_EV_SLICE_BYTES_MAX) &&
            !hand_over(p, cur))
            return LDG_EV_IO;
    }
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
    ev_pipe p = {.sink = sink, .sink_arg = sink_arg};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t th;
    LDG_ASSERT(pthread_create(&th, NULL, worker, &p) == 0);
    ldg_ev_slice cur = {.subject = *subject};
    ldg_ev_rerr e = read_all(rd, &p, &cur, keep, keep_arg, out);
    ldg_ev_slice_clear(&cur);
    pthread_mutex_lock(&p.mu);
    if (e != LDG_EV_ROK)
        p.failed = true; /* the worker drops what it holds */
    p.done = true;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    pthread_join(th, NULL);
    if (p.has_spare)
        ldg_ev_slice_clear(&p.spare);
    if (e == LDG_EV_ROK && p.failed) {
        e = LDG_EV_IO;
        snprintf(out->error, sizeof out->error, "a slice could not be stored");
    }
    if (e == LDG_EV_ROK)
        ldg_ev_reader_digest(rd, &out->digest);
    out->slices = p.slices;
    ldg_ev_reader_free(rd);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return e;
}
