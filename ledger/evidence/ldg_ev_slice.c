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
    memset(s, 0, sizeof *s);
}

/* Empties s, keeping its memory for the next slice (no page faults on refill). */
static void slice_reset(ldg_ev_slice *s)
{
    s->n = 0;
    s->rec.len = s->line.len = 0;
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

/* The raw slice file (§2.2) into e (reset first: its memory is reused). */
static void encode_raw(const ldg_ev_slice *s, ldg_enc *e)
{
    ldg_enc_reset(e);
    ldg_enc_array(e, 6);
    ldg_enc_str(e, SLICE_MAGIC);
    ldg_enc_u64(e, 1);
    ldg_enc_bin(e, s->subject.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(e, s->key, 32);
    ldg_enc_array(e, (uint32_t)s->n);
    for (size_t i = 0; i < s->n; i++)
        ldg_enc_bin(e, s->rec.d + s->rec_off[i], s->rec_off[i + 1] - s->rec_off[i]);
    ldg_enc_array(e, (uint32_t)s->n);
    for (size_t i = 0; i < s->n; i++)
        ldg_enc_bin(e, s->line.d + s->line_off[i], s->line_off[i + 1] - s->line_off[i]);
}

/* Level 1: about twice level 3's speed; log lines still shrink about 4x. */
#define ZSTD_LEVEL 1

/* Compresses e into *z (grown as needed, kept for the next slice). */
static size_t compress_into(ZSTD_CCtx *cc, const ldg_enc *e, uint8_t **z, size_t *zcap)
{
    size_t need = ZSTD_compressBound(ldg_enc_len(e));
    if (need > *zcap) {
        free(*z);
        *z = malloc(need);
        LDG_ASSERT(*z);
        *zcap = need;
    }
    size_t zl = ZSTD_compressCCtx(cc, *z, *zcap, ldg_enc_data(e), ldg_enc_len(e), ZSTD_LEVEL);
    LDG_ASSERT(!ZSTD_isError(zl));
    return zl;
}

uint8_t *ldg_ev_slice_encode(const ldg_ev_slice *s, size_t *len)
{
    ldg_enc e;
    ldg_enc_init(&e);
    encode_raw(s, &e);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    LDG_ASSERT(cc);
    uint8_t *z = NULL;
    size_t cap = 0;
    *len = compress_into(cc, &e, &z, &cap);
    ZSTD_freeCCtx(cc);
    ldg_enc_free(&e);
    return z;
}

/* Decodes a slice file's bytes (hostile: the store is a folder anyone with access could
 * edit). Records are re-hashed and the root recomputed, so a changed file is caught. */
bool ldg_ev_slice_decode(ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    memset(s, 0, sizeof *s);
    unsigned long long raw_len = ZSTD_getFrameContentSize(z, zl);
    if (raw_len == ZSTD_CONTENTSIZE_UNKNOWN || raw_len == ZSTD_CONTENTSIZE_ERROR ||
        raw_len > SLICE_RAW_MAX)
        return false;
    uint8_t *raw = malloc(raw_len ? raw_len : 1);
    LDG_ASSERT(raw);
    size_t got = ZSTD_decompress(raw, raw_len, z, zl);
    ldg_dec d;
    if (ZSTD_isError(got) || got != raw_len || ldg_decode(&d, raw, got) != LDG_OK) {
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
              ldg_obj_array_any(&f[5], LDG_EV_SLICE_RECORDS_MAX, &lines, &nl) && nr == nl && nr > 0;
    for (uint32_t i = 0; ok && i < nr; i++) {
        const uint8_t *rb, *lb;
        size_t rl, ll;
        ldg_ev_record r;
        ldg_hash id;
        ok = ldg_obj_bin_ref(&recs[i], 4096, &rb, &rl) &&
             ldg_obj_bin_ref(&lines[i], LDG_EV_LINE_MAX, &lb, &ll) &&
             ldg_ev_record_decode(&r, rb, rl);
        if (ok) {
            ldg_ev_record_id(&id, rb, rl);
            ldg_ev_slice_add(s, rb, rl, ll ? lb : (const uint8_t *)"", ll, &id, r.time_ms);
        }
    }
    ldg_dec_free(&d);
    free(raw);
    if (ok)
        ldg_ev_slice_seal(s);
    else
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
static bool process(ev_pipe *p, ldg_ev_slice *s, ldg_enc *raw, ZSTD_CCtx *cc, uint8_t **z,
                    size_t *zcap)
{
    if (ldg_random(s->key, sizeof s->key) != LDG_OK)
        return false;
    ldg_ev_slice_seal(s);
    encode_raw(s, raw);
    size_t zl = compress_into(cc, raw, z, zcap);
    return p->sink(p->sink_arg, s, *z, zl);
}

static void *worker(void *arg)
{
    ev_pipe *p = arg;
    ldg_enc raw;
    ldg_enc_init(&raw);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    LDG_ASSERT(cc);
    uint8_t *z = NULL;
    size_t zcap = 0;
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
        bool ok = !stop && process(p, &s, &raw, cc, &z, &zcap);
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
    free(z);
    ZSTD_freeCCtx(cc);
    ldg_enc_free(&raw);
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
    memset(out, 0, sizeof *out);
    ldg_ev_reader *rd = ldg_ev_reader_new(f, subject, source, lookup, lookup_arg);
    if (!rd) {
        snprintf(out->error, sizeof out->error,
                 "the source name must be 1 to %d bytes of printable UTF-8", LDG_EV_SOURCE_LEN_MAX);
        return LDG_EV_IO;
    }
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
