/* folio evidence ingest | anchor | prove | verify (specs/evidence.md).
 *
 * The broker's evidence store is a folder (default HOME/evidence): one zstd-compressed file
 * per slice, named by its root, a sidecar with the anchor's transaction id once anchored,
 * and sources/<sha256 of a file> for files already ingested. Ingest reads a whole file
 * before it stores or anchors anything, so a bad line leaves nothing behind. */
#include "cli.h"
#include "cli_cmds.h"
#include "ldg_block.h"
#include "ldg_chain.h"
#include "ldg_ev.h"
#include "net_evindex.h"
#include "net_evpass.h"
#include "net_file.h"

#include <dirent.h>
#include <zstd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Options of the evidence verbs that take a value (cli_cmds.c). */
static bool valued(const char *a)
{
    return !strcmp(a, "--out") || !strcmp(a, "-o") || !strcmp(a, "--file") ||
           !strcmp(a, "--line") || !strcmp(a, "--store") || !strcmp(a, "--genesis") ||
           !strcmp(a, "--investor") || !strcmp(a, "--isin") || !strcmp(a, "--format") ||
           !strcmp(a, "--schema") || !strcmp(a, "--older-than") || !strcmp(a, "--from") ||
           !strcmp(a, "--slice") || !strcmp(a, "--copies") || !strcmp(a, "--subject") ||
           !strcmp(a, "--record");
}

/* The k-th positional argument after the verb, or NULL. */
static const char *positional(int argc, char **argv, int k)
{
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            i += valued(argv[i]);
            continue;
        }
        if (k-- == 0)
            return argv[i];
    }
    return NULL;
}

/* Where a bundle goes: --out FILE or -o FILE. */
static const char *out_opt(int argc, char **argv)
{
    const char *o = cli_opt(argc, argv, "--out");
    return o ? o : cli_opt(argc, argv, "-o");
}

/* ---- the store ---- */

static int store_dir(cli_ctx *ctx, int argc, char **argv, char *out, size_t len)
{
    const char *opt = cli_opt(argc, argv, "--store");
    int n = opt ? snprintf(out, len, "%s", opt) : snprintf(out, len, "%s/evidence", ctx->home);
    if (n < 0 || (size_t)n >= len - 100) { /* room for the store's own names */
        cli_fail(ctx, "USAGE", "the evidence store's path is too long");
        return CLI_USAGE;
    }
    char err[NET_PATH_MAX + 128];
    if (net_evstore_open(out, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "IO", "%s", err);
        return CLI_LOCAL;
    }
    return CLI_OK;
}

/* Reads a whole file of at most max bytes. */
static int read_bounded(cli_ctx *ctx, const char *path, size_t max, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_fail(ctx, "IO", "cannot open %s: %s", path, strerror(errno));
        return CLI_LOCAL;
    }
    uint8_t *b = malloc(max + 1);
    LDG_ASSERT(b);
    size_t n = fread(b, 1, max + 1, f);
    bool err = ferror(f);
    fclose(f);
    if (err || n > max) {
        free(b);
        cli_fail(ctx, err ? "IO" : "TOO_LARGE", "%s: %s", path,
                 err ? "read failed" : "larger than this kind of file may be");
        return CLI_LOCAL;
    }
    *out = b;
    *len = n;
    return CLI_OK;
}

/* Slice roots in the store. */
static size_t store_list(const char *dir, ldg_hash **out)
{
    return net_evstore_list(dir, out);
}

static void slice_path(char *out, size_t len, const char *dir, const ldg_hash *root,
                       const char *ext)
{
    net_evstore_path(out, len, dir, root, ext);
}

static int slice_load(cli_ctx *ctx, const char *dir, const ldg_hash *root, ldg_ev_slice *s)
{
    char err[NET_PATH_MAX + 256];
    ldg_err e = net_evstore_load(dir, root, s, err, sizeof err);
    if (e == LDG_ERR_CORRUPT)
        cli_fail(ctx, "SLICE_CHANGED", "%s", err);
    else if (e != LDG_OK)
        cli_fail(ctx, "IO", "%s", err);
    return e == LDG_OK ? CLI_OK : e == LDG_ERR_CORRUPT ? CLI_REJECTED : CLI_LOCAL;
}

/* The anchor txid of a stored slice, if anchored. */
static bool slice_anchored(const char *dir, const ldg_hash *root, ldg_hash *txid)
{
    return net_evstore_anchored(dir, root, txid);
}

/* Finds a record by id by reading every slice (the store's slices of version 1, or an index
 * that lost an entry): the slice (loaded into s) and its index. */
static bool store_scan(cli_ctx *ctx, const char *dir, const ldg_hash *id, ldg_ev_slice *s,
                       size_t *index)
{
    ldg_hash *roots;
    size_t n = store_list(dir, &roots);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
        if (slice_load(ctx, dir, &roots[i], s) != CLI_OK)
            continue;
        for (size_t j = 0; j < s->n && !found; j++)
            if (!memcmp(s->ids[j].b, id->b, LDG_HASH_LEN)) {
                *index = j;
                found = true;
            }
        if (!found)
            ldg_ev_slice_clear(s);
    }
    free(roots);
    return found;
}

/* ---- the record and link indexes (§2.2, net_evindex.h): hints of where a record is. Every
 * entry is checked against the slice it names, so a stale or forged one is only skipped. ---- */

/* Reads the record at index of the stored slice root, by its tile; falls back to loading
 * the whole slice for a version 1 file. */
static ldg_ev_tile_res proved_at(cli_ctx *ctx, const char *dir, const ldg_hash *root,
                                 uint64_t index, ldg_ev_proved *out)
{
    char path[NET_PATH_MAX + 80];
    slice_path(path, sizeof path, dir, root, "slice");
    FILE *f = fopen(path, "rb");
    if (!f)
        return LDG_EV_TILE_NOT_FOUND;
    ldg_ev_tile_res r = ldg_ev_tile_by_index(f, root, index, out);
    fclose(f);
    if (r != LDG_EV_TILE_V1)
        return r;
    ldg_ev_slice s;
    if (slice_load(ctx, dir, root, &s) != CLI_OK)
        return LDG_EV_TILE_BAD;
    r = index < s.n ? LDG_EV_TILE_OK : LDG_EV_TILE_NOT_FOUND;
    if (r == LDG_EV_TILE_OK)
        ldg_ev_proved_from_slice(out, &s, index);
    ldg_ev_slice_clear(&s);
    return r;
}

typedef struct idx_hit {
    cli_ctx *ctx;
    const char *dir;
    const ldg_hash *id;
    ldg_ev_proved *out;
} idx_hit;

/* An index entry's record, kept if it is the one sought (the entry is only a hint). */
static bool idx_check(void *arg, const ldg_hash *root, uint32_t index)
{
    idx_hit *h = arg;
    if (proved_at(h->ctx, h->dir, root, index, h->out) != LDG_EV_TILE_OK)
        return false;
    if (!memcmp(h->out->id.b, h->id->b, LDG_HASH_LEN))
        return true;
    ldg_ev_proved_free(h->out);
    return false;
}

/* The record of that id through the index: true with it proved in its slice. */
static bool idx_find(cli_ctx *ctx, const char *dir, const ldg_hash *id, ldg_ev_proved *out)
{
    idx_hit h = {ctx, dir, id, out};
    return net_evindex_find(dir, id, idx_check, &h);
}

/* Finds a record by id: the index first, then (a store without one) every slice. */
static bool store_find(cli_ctx *ctx, const char *dir, const ldg_hash *id, ldg_ev_proved *out)
{
    if (idx_find(ctx, dir, id, out))
        return true;
    ldg_ev_slice s;
    size_t index;
    if (!store_scan(ctx, dir, id, &s, &index))
        return false;
    ldg_ev_proved_from_slice(out, &s, index);
    ldg_ev_slice_clear(&s);
    return true;
}

typedef struct link_hits {
    cli_ctx *ctx;
    const char *dir;
    const ldg_hash *id;
    ldg_hash *out;
    size_t n, max;
} link_hits;

/* A link index entry's record, kept if it holds a link to the id (the entry is a hint). */
static bool link_check(void *arg, const ldg_hash *root, uint32_t index)
{
    link_hits *h = arg;
    ldg_ev_proved p;
    if (proved_at(h->ctx, h->dir, root, index, &p) != LDG_EV_TILE_OK)
        return false;
    bool links = false;
    for (uint32_t l = 0; l < p.record.link_count; l++)
        links |= !memcmp(p.record.links[l].b, h->id->b, LDG_HASH_LEN);
    if (links)
        h->out[h->n++] = p.id;
    ldg_ev_proved_free(&p);
    return h->n == h->max;
}

/* The ids of the records that the link index says link to id (at most max): version 2
 * entries checked here, version 1 entries (their linking ids) by the caller. */
static size_t links_to(cli_ctx *ctx, const char *dir, const ldg_hash *id, ldg_hash *out, size_t max)
{
    link_hits h = {ctx, dir, id, out, 0, max};
    ldg_hash *v1 = malloc(max * sizeof *v1 + 1);
    LDG_ASSERT(v1);
    size_t n_v1 = 0;
    if (max && !net_evindex_links(dir, id, link_check, &h, v1, max, &n_v1)) {
        n_v1 = n_v1 < max - h.n ? n_v1 : max - h.n;
        memcpy(out + h.n, v1, n_v1 * sizeof *v1);
        h.n += n_v1;
    }
    free(v1);
    return h.n;
}

/* STORE/by-source/<sha256 of the source name>: the roots of the slices holding its records,
 * so that a source's slices are found without reading the whole store. */
static void by_source_path(char *out, size_t len, const char *dir, const char *source)
{
    ldg_hash h;
    char hex[65];
    ldg_sha256(&h, source, strlen(source));
    ldg_hex_encode(hex, h.b, LDG_HASH_LEN);
    snprintf(out, len, "%s/by-source/%s", dir, hex);
}

/* Roots listed in a file of 64-hex lines (malloc'd; 0 if none or unreadable). */
static size_t roots_file(const char *path, ldg_hash **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0, cap = 0;
    char line[80];
    while (fgets(line, sizeof line, f)) {
        ldg_hash h;
        line[strcspn(line, "\n")] = '\0';
        if (ldg_hex_decode(h.b, LDG_HASH_LEN, line) != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = realloc(*out, cap * sizeof **out);
            LDG_ASSERT(*out);
        }
        (*out)[n++] = h;
    }
    fclose(f);
    return n;
}

static size_t source_roots(const char *dir, const char *source, ldg_hash **out)
{
    char path[NET_PATH_MAX + 120];
    by_source_path(path, sizeof path, dir, source);
    return roots_file(path, out);
}

/* The id of the record at line `seq` of `source` in the store: by the tile holding that
 * line, in each slice of that source. */
static bool store_find_line(cli_ctx *ctx, const char *dir, const char *source, uint64_t seq,
                            ldg_hash *id)
{
    ldg_hash *roots;
    size_t n = source_roots(dir, source, &roots);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
        char path[NET_PATH_MAX + 80];
        slice_path(path, sizeof path, dir, &roots[i], "slice");
        FILE *f = fopen(path, "rb");
        ldg_ev_proved p;
        ldg_ev_tile_res r =
            f ? ldg_ev_tile_by_seq(f, &roots[i], source, seq, &p) : LDG_EV_TILE_NOT_FOUND;
        if (f)
            fclose(f);
        if (r == LDG_EV_TILE_OK) {
            *id = p.id;
            ldg_ev_proved_free(&p);
            found = true;
        }
        ldg_ev_slice s;
        if (r != LDG_EV_TILE_V1 || slice_load(ctx, dir, &roots[i], &s) != CLI_OK)
            continue;
        for (size_t j = 0; j < s.n && !found; j++) {
            ldg_ev_record rec;
            if (ldg_ev_record_decode(&rec, s.rec.d + s.rec_off[j],
                                     s.rec_off[j + 1] - s.rec_off[j]) &&
                rec.seq == seq && !strcmp(rec.source, source)) {
                *id = s.ids[j];
                found = true;
            }
        }
        ldg_ev_slice_clear(&s);
    }
    free(roots);
    return found;
}

/* ---- ingest ---- */

/* What the store already holds of a source: each line's payload hash, by line number. */
typedef struct prior {
    ldg_hash *hash; /* [seq - 1] */
    uint8_t *have;
    uint64_t n, cap; /* highest line known */
    uint64_t changed;
    /* The first changed records, reported one by one: line, byte offset, the payload hash
     * anchored and the one the file has now. */
    struct {
        uint64_t seq, offset;
        ldg_hash was, now;
    } shown[LDG_EV_CHANGED_SHOWN_MAX];
} prior;

static void prior_put(prior *pr, uint64_t seq, const ldg_hash *h)
{
    if (seq > pr->cap) {
        uint64_t cap = pr->cap ? pr->cap : 1024;
        while (cap < seq)
            cap *= 2;
        pr->hash = realloc(pr->hash, cap * sizeof *pr->hash);
        pr->have = realloc(pr->have, cap);
        LDG_ASSERT(pr->hash && pr->have);
        memset(pr->have + pr->cap, 0, cap - pr->cap);
        pr->cap = cap;
    }
    pr->hash[seq - 1] = *h;
    pr->have[seq - 1] = 1;
    pr->n = seq > pr->n ? seq : pr->n;
}

/* Reads the store for the records of `source` already stored. */
static void prior_load(cli_ctx *ctx, const char *dir, const char *source, prior *pr)
{
    ldg_hash *roots;
    size_t n = source_roots(dir, source, &roots);
    for (size_t i = 0; i < n; i++) {
        ldg_ev_slice s;
        if (slice_load(ctx, dir, &roots[i], &s) != CLI_OK)
            continue;
        for (size_t j = 0; j < s.n; j++) {
            ldg_ev_record r;
            if (ldg_ev_record_decode(&r, s.rec.d + s.rec_off[j], s.rec_off[j + 1] - s.rec_off[j]) &&
                !strcmp(r.source, source) && r.seq <= LDG_EV_FILE_RECORDS_MAX)
                prior_put(pr, r.seq, &r.payload_hash);
        }
        ldg_ev_slice_clear(&s);
    }
    free(roots);
}

/* The progress bar (stderr): on a terminal or with --progress, never with --json. */
typedef struct progress {
    bool on, tty;
    const char *file;
    uint64_t size, records, next_check;
    double t0, last;
    int shown; /* percent last printed without a terminal */
} progress;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_start(progress *pg, const char *file, FILE *f)
{
    struct stat st;
    pg->file = file;
    pg->size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    pg->records = pg->next_check = 0;
    pg->t0 = pg->last = mono_s();
    pg->shown = -1;
}

/* Draws the bar for `at` bytes read: at most 5 times a second on a terminal; otherwise one
 * line each 10 %. */
static void progress_draw(progress *pg, uint64_t at, bool end)
{
    double now = mono_s(), dt = now - pg->t0 > 1e-6 ? now - pg->t0 : 1e-6;
    int pct = pg->size ? (int)(at * 100 / pg->size) : 100;
    pct = end ? 100 : pct > 99 ? 99 : pct;
    if (pg->tty && !end && now - pg->last < 0.2)
        return;
    if (!pg->tty && pct / 10 == pg->shown / 10 && !(end && pg->shown < 100))
        return;
    pg->last = now;
    pg->shown = pct;
    char bar[31];
    memset(bar, '.', 30);
    memset(bar, '#', (size_t)pct * 30 / 100);
    bar[30] = '\0';
    fprintf(stderr, "%s%s [%s] %3d%%  %.0f MB/s  %llu records%s", pg->tty ? "\r\033[K" : "",
            pg->file, bar, pct, (double)at / 1e6 / dt, (unsigned long long)pg->records,
            pg->tty ? "" : "\n");
    fflush(stderr);
}

static void progress_tick(progress *pg, const ldg_ev_record *r)
{
    if (!pg->on || ++pg->records < pg->next_check)
        return;
    pg->next_check = pg->records + 4096; /* the clock is read once per 4096 records */
    progress_draw(pg, r->offset, false);
}

static void progress_end(progress *pg, uint64_t at, bool ok)
{
    if (!pg->on)
        return;
    if (ok)
        progress_draw(pg, at, true);
    if (pg->tty)
        fputs(ok ? "\n" : "\r\033[K", stderr);
}

/* Keeps only lines the store does not hold; counts the ones that changed. */
static bool keep_new_prior(prior *pr, const ldg_ev_record *r)
{
    if (r->seq > pr->n || !pr->have[r->seq - 1])
        return true;
    if (memcmp(pr->hash[r->seq - 1].b, r->payload_hash.b, LDG_HASH_LEN) != 0 &&
        pr->changed++ < LDG_ARRAY_LEN(pr->shown)) {
        pr->shown[pr->changed - 1].seq = r->seq;
        pr->shown[pr->changed - 1].offset = r->offset;
        pr->shown[pr->changed - 1].was = pr->hash[r->seq - 1];
        pr->shown[pr->changed - 1].now = r->payload_hash;
    }
    return false;
}

/* What an anchor says of a slice (§3). */
typedef struct ev_sum {
    ldg_account subject;
    ldg_hash root;
    uint64_t n, t_first, t_last;
} ev_sum;

typedef struct ingest {
    cli_ctx *ctx;
    ldg_account subject;
    const char *source;
    prior pr;
    uint64_t lines;
    const char *store, *staging;
    char stage_err[NET_PATH_MAX + 128];
    ldg_hash *roots;
    size_t nroots, records;
    /* What an anchor needs of each slice staged for this file (in step with roots), and of
     * every slice this command stored (kept: anchored at its end without reading them back). */
    ev_sum *staged, *stored;
    net_evindex_batch idx; /* the index entries of the slices staged, appended every few */
    size_t nstored;
    ldg_ev_schema *schema; /* NULL: lines/1 */
    progress pg;
} ingest;

/* The pipeline's keep (the reader's thread, each record in order): the progress bar, and
 * only lines the store does not hold. */
static bool keep_new(void *arg, const ldg_ev_record *r)
{
    ingest *in = arg;
    progress_tick(&in->pg, r);
    return keep_new_prior(&in->pr, r);
}

static bool lookup_store(void *arg, const ldg_hash *id, uint64_t *time_ms)
{
    ingest *in = arg;
    ldg_ev_proved p;
    if (!store_find(in->ctx, in->store, id, &p))
        return false;
    *time_ms = p.time_ms;
    ldg_ev_proved_free(&p);
    return true;
}

/* The pipeline's sink (a pool thread, one slice at a time, while the reader reads on): writes
 * the slice into the staging folder and appends its ids to the record index and its links to
 * the link index (§2.2). The indexes are hints, so entries of a slice that is then not stored
 * (the file refused, or its bytes already ingested under another name) are harmless: a reader
 * uses an entry only if its slice is in the store and holds that record. Appending them here
 * rather than after the whole file overlaps the index's writes with the reading and hashing,
 * and saves writing and reading back a staging copy of them. It touches only the staging
 * fields, not what keep_new and lookup_store use. */
static bool stage_slice(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    ingest *in = arg;
    char path[NET_PATH_MAX + 80];
    slice_path(path, sizeof path, in->staging, &s->root, "slice");
    if (net_file_write(path, z, zl, 0600, NET_FILE_CREATE, in->stage_err, sizeof in->stage_err) !=
        LDG_OK)
        return false;
    if (!in->ctx->dry_run && net_evindex_stage(in->store, &in->idx, &s->root, s->ids, s->n,
                                               s->links.d, s->links.len / LDG_EV_LINK_HINT,
                                               in->stage_err, sizeof in->stage_err) != LDG_OK)
        return false;
    in->roots = realloc(in->roots, (in->nroots + 1) * sizeof *in->roots);
    in->staged = realloc(in->staged, (in->nroots + 1) * sizeof *in->staged);
    LDG_ASSERT(in->roots && in->staged);
    in->staged[in->nroots] = (ev_sum){s->subject, s->root, s->n, s->t_first, s->t_last};
    in->roots[in->nroots++] = s->root;
    return true;
}

static int read_file_slices(ingest *in, const char *file, ldg_hash *digest)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        cli_fail(in->ctx, "IO", "cannot open %s: %s", file, strerror(errno));
        return CLI_LOCAL;
    }
    ldg_ev_ingest_out out;
    in->stage_err[0] = '\0';
    progress_start(&in->pg, file, f);
    ldg_ev_rerr e = ldg_ev_ingest_schema(f, &in->subject, file, in->schema, lookup_store, in,
                                         keep_new, in, stage_slice, in, &out);
    long at = ftell(f);
    progress_end(&in->pg, at > 0 ? (uint64_t)at : 0, e == LDG_EV_ROK);
    fclose(f);
    in->records = out.records;
    in->lines = out.lines;
    if (e == LDG_EV_ROK && !in->ctx->dry_run &&
        net_evindex_flush(in->store, &in->idx, in->stage_err, sizeof in->stage_err) != LDG_OK)
        e = LDG_EV_IO;
    if (e == LDG_EV_ROK) {
        *digest = out.digest;
        return CLI_OK;
    }
    if (in->stage_err[0]) {
        cli_fail(in->ctx, "IO", "%s", in->stage_err);
        return CLI_LOCAL;
    }
    cli_fail(in->ctx, "BAD_LOG", "%s: %s; nothing was stored or anchored", file, out.error);
    return CLI_REJECTED;
}

static void rm_staging(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        char path[NET_PATH_MAX + 300];
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Moves the staged slices into the store and records the source as ingested. */
/* Adds the new slices to their source's list (STORE/by-source). */
static ldg_err add_by_source(ingest *in, char *err, size_t err_len)
{
    char path[NET_PATH_MAX + 120];
    by_source_path(path, sizeof path, in->store, in->source);
    ldg_hash *old;
    size_t n = roots_file(path, &old), len = (n + in->nroots) * 65;
    char *list = malloc(len + 1);
    LDG_ASSERT(list);
    for (size_t i = 0; i < n + in->nroots; i++) {
        ldg_hex_encode(list + 65 * i, (i < n ? old[i] : in->roots[i - n]).b, LDG_HASH_LEN);
        list[65 * i + 64] = '\n';
    }
    free(old);
    ldg_err e = net_file_write(path, list, len, 0600, NET_FILE_REPLACE, err, err_len);
    free(list);
    return e;
}

static int commit_staging(ingest *in, const ldg_hash *digest, const char *src_path)
{
    char from[NET_PATH_MAX + 80], to[NET_PATH_MAX + 80], err[NET_PATH_MAX + 128];
    for (size_t i = 0; i < in->nroots; i++) {
        slice_path(from, sizeof from, in->staging, &in->roots[i], "slice");
        slice_path(to, sizeof to, in->store, &in->roots[i], "slice");
        if (rename(from, to) != 0) {
            cli_fail(in->ctx, "IO", "cannot move %s into the store: %s", from, strerror(errno));
            return CLI_LOCAL;
        }
    }
    size_t len = in->nroots * 65;
    char *list = malloc(len + 1);
    LDG_ASSERT(list);
    for (size_t i = 0; i < in->nroots; i++) {
        ldg_hex_encode(list + 65 * i, in->roots[i].b, LDG_HASH_LEN);
        list[65 * i + 64] = '\n';
    }
    (void)digest;
    ldg_err e = net_file_write(src_path, list, len, 0600, NET_FILE_REPLACE, err, sizeof err);
    free(list);
    if (e == LDG_OK)
        e = add_by_source(in, err, sizeof err);
    if (e != LDG_OK) {
        cli_fail(in->ctx, "IO", "%s", err);
        return CLI_LOCAL;
    }
    return CLI_OK;
}

static int anchor_pending(cli_ctx *ctx, const char *store, const ldg_account *subject,
                          const ev_sum *known, size_t nknown);

/* A file whose anchored lines changed or disappeared is refused, line by line. */
static int check_changed(ingest *in, const char *file)
{
    const prior *pr = &in->pr;
    if (pr->changed == 0 && in->lines >= pr->n)
        return CLI_OK;
    char list[160] = "";
    size_t at = 0;
    for (uint64_t i = 0; i < pr->changed && i < 8; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%llu", i ? ", " : "",
                               (unsigned long long)pr->shown[i].seq);
    for (uint64_t i = 0; !in->ctx->json && i < pr->changed && i < LDG_ARRAY_LEN(pr->shown); i++) {
        char was[65], now[65]; /* record by record, before the error's sentence */
        ldg_hex_encode(was, pr->shown[i].was.b, LDG_HASH_LEN);
        ldg_hex_encode(now, pr->shown[i].now.b, LDG_HASH_LEN);
        fprintf(stderr,
                "%s: line %llu (byte offset %llu) changed: payload hash anchored %.16s, "
                "now %.16s\n",
                file, (unsigned long long)pr->shown[i].seq, (unsigned long long)pr->shown[i].offset,
                was, now);
    }
    if (!in->ctx->json && pr->changed > LDG_ARRAY_LEN(pr->shown))
        fprintf(stderr, "%s: and %llu more changed lines\n", file,
                (unsigned long long)(pr->changed - LDG_ARRAY_LEN(pr->shown)));
    if (pr->changed)
        cli_fail(in->ctx, "SOURCE_CHANGED",
                 "%s: %llu line%s changed since anchored (line %s%s)%s; nothing was stored or "
                 "anchored",
                 file, (unsigned long long)pr->changed, pr->changed == 1 ? "" : "s", list,
                 pr->changed > 8 ? ", ..." : "",
                 in->lines < pr->n ? ", and anchored lines are gone from its end" : "");
    else
        cli_fail(in->ctx, "SOURCE_CHANGED",
                 "%s: has %llu lines but %llu were anchored: lines %llu..%llu are gone; nothing "
                 "was stored or anchored",
                 file, (unsigned long long)in->lines, (unsigned long long)pr->n,
                 (unsigned long long)in->lines + 1, (unsigned long long)pr->n);
    return CLI_REJECTED;
}

static int ingest_one(ingest *in, const char *file)
{
    char staging[NET_PATH_MAX + 40];
    snprintf(staging, sizeof staging, "%s/staging-%ld", in->store, (long)getpid());
    rm_staging(staging);
    if (mkdir(staging, 0700) != 0) {
        cli_fail(in->ctx, "IO", "cannot create %s: %s", staging, strerror(errno));
        return CLI_LOCAL;
    }
    in->staging = staging;
    in->source = file;
    in->nroots = in->records = 0;
    free(in->pr.hash);
    free(in->pr.have);
    memset(&in->pr, 0, sizeof in->pr);
    prior_load(in->ctx, in->store, file, &in->pr);
    ldg_hash digest;
    int rc = read_file_slices(in, file, &digest);
    if (rc == CLI_OK)
        rc = check_changed(in, file);
    char hex[65], src_path[NET_PATH_MAX + 100];
    if (rc == CLI_OK) {
        ldg_hex_encode(hex, digest.b, LDG_HASH_LEN);
        snprintf(src_path, sizeof src_path, "%s/sources/%s", in->store, hex);
        if (in->ctx->dry_run) {
            printf("dry run: %s: %zu new records in %zu slices would be stored and anchored\n",
                   file, in->records, in->nroots);
        } else if (access(src_path, F_OK) == 0) {
            fprintf(stderr, "%s: already ingested (digest %s): nothing new to anchor\n", file, hex);
            in->nroots = 0;
        } else {
            rc = commit_staging(in, &digest, src_path);
            if (rc == CLI_OK) {
                in->stored = realloc(in->stored, (in->nstored + in->nroots) * sizeof *in->stored);
                LDG_ASSERT(in->stored || in->nstored + in->nroots == 0);
                if (in->nroots)
                    memcpy(in->stored + in->nstored, in->staged, in->nroots * sizeof *in->stored);
                in->nstored += in->nroots;
            }
            if (rc == CLI_OK && !in->ctx->json)
                printf("%s: %zu records in %zu slices (digest %s)%s\n", file, in->records,
                       in->nroots, hex,
                       in->pr.n ? "; the lines already anchored are unchanged and not stored again"
                                : "");
        }
    }
    rm_staging(staging);
    return rc;
}

static int subject_of_signer(cli_ctx *ctx, ldg_account *out)
{
    ldg_keypair kp;
    int rc = cli_signer(ctx, &kp);
    if (rc != CLI_OK)
        return rc;
    ldg_account_of(out, &kp.pub);
    memset(kp.secret, 0, sizeof kp.secret);
    return CLI_OK;
}

/* A schema file's names: 1..64 bytes. */
static bool schema_name(json_t *j, const char *key, char *out, bool need)
{
    json_t *v = json_object_get(j, key);
    if (!v)
        return !need;
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > LDG_EV_FIELD_NAME_MAX)
        return false;
    snprintf(out, LDG_EV_FIELD_NAME_MAX + 1, "%s", s);
    return true;
}

static bool schema_names(json_t *a, char (*out)[LDG_EV_FIELD_NAME_MAX + 1], size_t max, uint32_t *n)
{
    if (!a)
        return true;
    if (!json_is_array(a) || json_array_size(a) > max)
        return false;
    for (*n = 0; *n < json_array_size(a); (*n)++) {
        const char *s = json_string_value(json_array_get(a, *n));
        if (!s || !*s || strlen(s) > LDG_EV_FIELD_NAME_MAX)
            return false;
        snprintf(out[*n], LDG_EV_FIELD_NAME_MAX + 1, "%s", s);
    }
    return true;
}

/* --schema FILE (a JSON object, §1.4) and --format into s; *lines true for lines/1. */
static int load_schema(cli_ctx *ctx, int argc, char **argv, ldg_ev_schema *s, bool *lines)
{
    const char *fmt = cli_opt(argc, argv, "--format"), *path = cli_opt(argc, argv, "--schema");
    json_t *j = NULL;
    if (path && access(path, R_OK) != 0) {
        cli_fail(ctx, "IO", "cannot read the schema %s: %s", path, strerror(errno));
        return CLI_LOCAL;
    }
    if (path) {
        json_error_t err;
        j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!json_is_object(j)) {
            json_decref(j);
            cli_fail(ctx, "BAD_SCHEMA", "%s: not a JSON object (line %d: %s)", path, err.line,
                     err.text);
            return CLI_REJECTED;
        }
        if (!fmt)
            fmt = json_string_value(json_object_get(j, "format"));
    }
    fmt = fmt ? fmt : "lines";
    ldg_ev_fmt f = !strcmp(fmt, "jsonl") ? LDG_EV_FMT_JSONL
                   : !strcmp(fmt, "csv") ? LDG_EV_FMT_CSV
                                         : LDG_EV_FMT_LINES;
    *lines = f == LDG_EV_FMT_LINES;
    if (*lines && strcmp(fmt, "lines") != 0) {
        json_decref(j);
        cli_fail(ctx, "USAGE", "--format is lines, jsonl or csv, not '%s'", fmt);
        return CLI_USAGE;
    }
    ldg_ev_schema_default(s, f);
    const char *key;
    json_t *v;
    bool ok = !(j && *lines); /* lines/1 has its own fixed syntax: no schema */
    json_object_foreach(j, key, v) ok =
        ok && (!strcmp(key, "format") || !strcmp(key, "time") || !strcmp(key, "type") ||
               !strcmp(key, "links") || !strcmp(key, "required") || !strcmp(key, "columns"));
    ok = ok &&
         (!j || (schema_name(j, "time", s->time, false) && schema_name(j, "type", s->type, false) &&
                 schema_name(j, "links", s->links, false) &&
                 schema_names(json_object_get(j, "required"), s->required,
                              LDG_EV_SCHEMA_REQUIRED_MAX, &s->nrequired) &&
                 (f == LDG_EV_FMT_CSV || !json_object_get(j, "columns")) &&
                 schema_names(json_object_get(j, "columns"), s->columns, LDG_EV_CSV_COLUMNS_MAX,
                              &s->ncolumns)));
    json_decref(j);
    if (!ok) {
        cli_fail(ctx, "BAD_SCHEMA",
                 "%s: a schema is {\"format\": \"jsonl\"|\"csv\", \"time\", \"type\", "
                 "\"links\": field names, \"required\": [up to %d names], \"columns\" (csv): "
                 "[up to %d names]}, names of 1 to %d bytes (specs/evidence.md §1.4)",
                 path, LDG_EV_SCHEMA_REQUIRED_MAX, LDG_EV_CSV_COLUMNS_MAX, LDG_EV_FIELD_NAME_MAX);
        return CLI_REJECTED;
    }
    return CLI_OK;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of folder dir (not hidden, not in sub-folders), sorted by name, into
 * *out (each malloc'd); a folder with none or with more than LDG_EV_INGEST_DIR_FILES_MAX is
 * refused. */
static int folder_files(cli_ctx *ctx, const char *dir, char ***out, size_t *n)
{
    DIR *d = opendir(dir);
    *out = NULL, *n = 0;
    if (!d) {
        cli_fail(ctx, "IO", "cannot read the folder %s: %s", dir, strerror(errno));
        return CLI_LOCAL;
    }
    size_t cap = 0;
    bool too_many = false;
    for (struct dirent *de; !too_many && (de = readdir(d));) {
        char full[NET_PATH_MAX];
        struct stat fs;
        if (de->d_name[0] == '.' ||
            (size_t)snprintf(full, sizeof full, "%s/%s", dir, de->d_name) >= sizeof full ||
            stat(full, &fs) != 0 || !S_ISREG(fs.st_mode))
            continue;
        too_many = *n == LDG_EV_INGEST_DIR_FILES_MAX;
        if (!too_many && *n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = realloc(*out, cap * sizeof **out);
            LDG_ASSERT(*out);
        }
        if (!too_many) {
            (*out)[*n] = strdup(full);
            LDG_ASSERT((*out)[(*n)++]);
        }
    }
    closedir(d);
    if (too_many || *n == 0) {
        if (too_many)
            cli_fail(ctx, "TOO_MANY_FILES",
                     "the folder %s holds more than %d files: name them in parts; nothing was "
                     "stored or anchored from it",
                     dir, LDG_EV_INGEST_DIR_FILES_MAX);
        else
            cli_fail(ctx, "NO_FILES",
                     "the folder %s holds no log file (regular files, not hidden, not in "
                     "sub-folders)",
                     dir);
        return CLI_REJECTED;
    }
    qsort(*out, *n, sizeof **out, path_cmp);
    return CLI_OK;
}

/* A file, or each file of a folder in name order (folder_files). */
static int ingest_arg(ingest *in, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return ingest_one(in, path);
    char **names;
    size_t n;
    int rc = folder_files(in->ctx, path, &names, &n);
    for (size_t i = 0; i < n; i++) {
        if (rc == CLI_OK)
            rc = ingest_one(in, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* --subject BROKER: the broker whose log it is. The subject of a slice is the account that
 * anchors it (evidence.md §3), so it names the key that signs, as --as does. */
static int ingest_subject(cli_ctx *ctx, int argc, char **argv)
{
    const char *subject = cli_opt(argc, argv, "--subject");
    if (subject && ctx->as && strcmp(subject, ctx->as) != 0) {
        cli_fail(ctx, "USAGE",
                 "--subject %s and --as %s differ: a slice's subject is the broker that signs "
                 "its anchor, so name one key",
                 subject, ctx->as);
        return CLI_USAGE;
    }
    if (subject)
        ctx->as = subject;
    return CLI_OK;
}

static int cmd_ingest(cli_ctx *ctx, int argc, char **argv)
{
    char store[NET_PATH_MAX];
    ingest in = {.ctx = ctx, .store = store};
    ldg_ev_schema *schema = malloc(sizeof *schema);
    LDG_ASSERT(schema);
    bool lines;
    int src = load_schema(ctx, argc, argv, schema, &lines);
    if (src != CLI_OK) {
        free(schema);
        return src;
    }
    in.schema = lines ? NULL : schema;
    in.pg.tty = isatty(STDERR_FILENO);
    in.pg.on = (in.pg.tty || cli_flag(argc, argv, "--progress")) && !ctx->json;
    int rc = ingest_subject(ctx, argc, argv);
    if (rc == CLI_OK)
        rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    if (rc == CLI_OK)
        rc = subject_of_signer(ctx, &in.subject);
    const char *file;
    for (int k = 0; rc == CLI_OK && (file = positional(argc, argv, k)); k++)
        rc = ingest_arg(&in, file);
    free(in.roots);
    net_evindex_batch_free(&in.idx);
    free(in.pr.hash);
    free(in.pr.have);
    free(schema);
    /* A dry run stored nothing: nothing to check for anchoring either. */
    rc = rc == CLI_OK && !ctx->dry_run
             ? anchor_pending(ctx, store, &in.subject, in.stored, in.nstored)
             : rc;
    free(in.staged);
    free(in.stored);
    return rc;
}

/* ---- anchor ---- */

static bool hex_field(json_t *j, const char *name, uint8_t *out, size_t len)
{
    const char *s = json_string_value(json_object_get(j, name));
    return s && ldg_hex_decode(out, len, s) == 0;
}

/* The subject's log head from the node. */
static int fetch_head(cli_ctx *ctx, const ldg_account *subject, ldg_ev_head *h)
{
    char acct[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(acct, subject);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, "evidence");
    ldg_enc_str(&e, "head");
    ldg_enc_str(&e, acct);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    memset(h, 0, sizeof *h);
    json_t *peaks = json_object_get(j, "peaks");
    bool ok = hex_field(j, "last_anchor", h->last_anchor.b, LDG_HASH_LEN) && json_is_array(peaks) &&
              json_array_size(peaks) <= 64;
    h->peaks.size = (uint64_t)json_integer_value(json_object_get(j, "size"));
    for (size_t i = 0; ok && i < json_array_size(peaks); i++) {
        const char *p = json_string_value(json_array_get(peaks, i));
        ok = p && ldg_hex_decode(h->peaks.p[i].b, LDG_HASH_LEN, p) == 0;
        h->peaks.count++;
    }
    json_decref(j);
    if (!ok || h->peaks.count != (uint32_t)__builtin_popcountll(h->peaks.size)) {
        cli_fail(ctx, "PROTOCOL", "the node's evidence head is malformed");
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

static int anchor_one(cli_ctx *ctx, const char *store, const ev_sum *s)
{
    ldg_ev_head h;
    int rc = fetch_head(ctx, &s->subject, &h);
    if (rc != CLI_OK)
        return rc;
    ldg_ev_anchor a = {.slice_root = s->root,
                       .record_count = s->n,
                       .time_first = s->t_first,
                       .time_last = s->t_last,
                       .prev_anchor = h.last_anchor,
                       .log_size = h.peaks.size + 1};
    ldg_hash leaf;
    ldg_ev_log_leaf(&leaf, &s->root, s->n, s->t_first, s->t_last);
    ldg_ev_peaks_root_with(&h.peaks, &leaf, &a.log_root);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_ev_anchor_encode(&p, &a);
    json_t *tx = NULL;
    rc = cli_submit(ctx, LDG_TX_EV_ANCHOR, &p, "evidence anchor", &tx);
    ldg_enc_free(&p);
    ldg_hash txid;
    if (rc == CLI_OK && hex_field(tx, "id", txid.b, LDG_HASH_LEN)) {
        char err[NET_PATH_MAX + 128];
        if (net_evstore_mark_anchored(store, &s->root, &txid, err, sizeof err) != LDG_OK) {
            cli_fail(ctx, "IO", "%s", err);
            rc = CLI_LOCAL;
        }
    }
    json_decref(tx);
    return rc;
}

/* The summary of a pending slice: one this command just stored (known), else read from the
 * store (the whole slice decoded and re-hashed: a slice of an earlier run). */
static int pending_sum(cli_ctx *ctx, const char *store, const ldg_hash *root, const ev_sum *known,
                       size_t nknown, ev_sum *out)
{
    for (size_t k = 0; k < nknown; k++)
        if (!memcmp(known[k].root.b, root->b, LDG_HASH_LEN)) {
            *out = known[k];
            return CLI_OK;
        }
    ldg_ev_slice s;
    int rc = slice_load(ctx, store, root, &s);
    if (rc != CLI_OK)
        return rc;
    *out = (ev_sum){s.subject, s.root, s.n, s.t_first, s.t_last};
    ldg_ev_slice_clear(&s);
    return CLI_OK;
}

static int anchor_pending(cli_ctx *ctx, const char *store, const ldg_account *subject,
                          const ev_sum *known, size_t nknown)
{
    ldg_hash *roots, txid;
    size_t n = store_list(store, &roots), done = 0;
    int rc = CLI_OK;
    for (size_t i = 0; i < n && rc == CLI_OK; i++) {
        if (slice_anchored(store, &roots[i], &txid))
            continue;
        ev_sum s;
        rc = pending_sum(ctx, store, &roots[i], known, nknown, &s);
        if (rc != CLI_OK)
            break;
        if (memcmp(s.subject.b, subject->b, LDG_ACCOUNT_LEN) == 0) {
            rc = anchor_one(ctx, store, &s);
            done += rc == CLI_OK;
        }
    }
    free(roots);
    if (rc == CLI_OK && !ctx->json)
        printf("anchored %zu slice%s\n", done, done == 1 ? "" : "s");
    return rc;
}

static int cmd_anchor(cli_ctx *ctx, int argc, char **argv)
{
    char store[NET_PATH_MAX];
    ldg_account subject;
    int rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    if (rc == CLI_OK)
        rc = subject_of_signer(ctx, &subject);
    return rc == CLI_OK ? anchor_pending(ctx, store, &subject, NULL, 0) : rc;
}

/* ---- prove ---- */

typedef struct prover {
    cli_ctx *ctx;
    const char *store;
    bool private_lines;
    ldg_ev_bundle_item items[LDG_EV_BUNDLE_ITEMS_MAX];
    /* Each item's record, read by its tile (they own the items' bytes). */
    ldg_ev_proved recs[LDG_EV_BUNDLE_ITEMS_MAX];
    size_t nitems;
    ldg_ev_bundle_anchor anchors[LDG_EV_BUNDLE_ITEMS_MAX];
    ldg_hash anchor_roots[LDG_EV_BUNDLE_ITEMS_MAX];
    uint8_t *anchor_bytes[LDG_EV_BUNDLE_ITEMS_MAX][4];
    size_t nanchors;
} prover;

static uint8_t *hex_bytes(json_t *j, const char *name, size_t max, size_t *len)
{
    const char *s = json_string_value(json_object_get(j, name));
    size_t n = s ? strlen(s) : 1;
    if (!s || n % 2 || n / 2 > max)
        return NULL;
    uint8_t *b = malloc(n / 2 + 1);
    LDG_ASSERT(b);
    if (ldg_hex_decode(b, n / 2, s) != 0) {
        free(b);
        return NULL;
    }
    *len = n / 2;
    return b;
}

/* The bundle anchor of a slice root (fetched once per slice). */
static int anchor_index(prover *p, const ldg_hash *root, uint64_t *out)
{
    for (size_t i = 0; i < p->nanchors; i++)
        if (!memcmp(p->anchor_roots[i].b, root->b, LDG_HASH_LEN)) {
            *out = i;
            return CLI_OK;
        }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, "evidence");
    ldg_enc_str(&e, "anchor");
    ldg_enc_bin(&e, root->b, LDG_HASH_LEN);
    int rc;
    json_t *j = cli_call(p->ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    ldg_ev_bundle_anchor *a = &p->anchors[p->nanchors];
    uint8_t **b = p->anchor_bytes[p->nanchors];
    memset(a, 0, sizeof *a);
    b[0] = hex_bytes(j, "tx", LDG_TX_SIZE_MAX, &a->tx_len);
    b[1] = hex_bytes(j, "header", 4096, &a->header_len);
    b[2] = hex_bytes(j, "cert", 65536, &a->cert_len);
    b[3] = hex_bytes(j, "refs", (size_t)LDG_BLOCK_TX_MAX * sizeof(ldg_tx_ref), &a->refs_len);
    json_t *lp = json_object_get(j, "log_path");
    bool ok = b[0] && b[1] && b[2] && b[3] && json_is_array(lp) && json_array_size(lp) <= 64;
    for (size_t i = 0; ok && i < json_array_size(lp); i++) {
        const char *h = json_string_value(json_array_get(lp, i));
        ok = h && ldg_hex_decode(a->log_path[i].b, LDG_HASH_LEN, h) == 0;
        a->log_path_len++;
    }
    json_decref(j);
    a->tx = b[0], a->header = b[1], a->cert = b[2], a->refs = b[3];
    p->anchor_roots[p->nanchors] = *root;
    *out = p->nanchors++;
    if (!ok) {
        cli_fail(p->ctx, "PROTOCOL", "the node's evidence anchor reply is malformed");
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

static bool have_item(const prover *p, const ldg_hash *id)
{
    for (size_t i = 0; i < p->nitems; i++)
        if (!memcmp(p->recs[i].id.b, id->b, LDG_HASH_LEN))
            return true;
    return false;
}

/* A bundle item from a proved record: the record, its line unless private, its salt and
 * inclusion path, and the index of its slice's anchor. */
static int fill_item(prover *p, ldg_ev_bundle_item *it, const ldg_ev_proved *pr)
{
    memset(it, 0, sizeof *it);
    it->record = pr->bytes;
    it->record_len = pr->bytes_len;
    if (!p->private_lines) {
        it->line = pr->line;
        it->line_len = pr->line_len;
    }
    it->salt = pr->salt;
    it->leaf_index = pr->index;
    it->path_len = pr->path_len;
    memcpy(it->path, pr->path, pr->path_len * sizeof *pr->path);
    return anchor_index(p, &pr->slice_root, &it->anchor);
}

/* Adds the record and, depth first, the records it links to. */
static int add_item(prover *p, const ldg_hash *id)
{
    if (have_item(p, id))
        return CLI_OK;
    if (p->nitems == LDG_EV_BUNDLE_ITEMS_MAX) {
        cli_fail(p->ctx, "TOO_LARGE",
                 "the record's chain of links reaches more than %d records, the most a bundle "
                 "holds",
                 LDG_EV_BUNDLE_ITEMS_MAX);
        return CLI_REJECTED;
    }
    size_t k = p->nitems;
    ldg_ev_proved *pr = &p->recs[k];
    if (!store_find(p->ctx, p->store, id, pr)) {
        char hex[65];
        ldg_hex_encode(hex, id->b, LDG_HASH_LEN);
        cli_fail(p->ctx, "NOT_FOUND", "record %s is not in the evidence store %s", hex, p->store);
        return CLI_REJECTED;
    }
    p->nitems++;
    int rc = fill_item(p, &p->items[k], pr);
    for (uint32_t i = 0; rc == CLI_OK && i < pr->record.link_count; i++)
        rc = add_item(p, &pr->record.links[i]);
    return rc;
}

static int genesis_hash_of_node(cli_ctx *ctx, ldg_hash *out)
{
    int rc;
    json_t *st = cli_query(ctx, "status", NULL, &rc);
    if (!st)
        return rc;
    bool ok = hex_field(st, "genesis_hash", out->b, LDG_HASH_LEN);
    json_decref(st);
    if (!ok) {
        cli_fail(ctx, "PROTOCOL", "the node did not say which genesis its chain has");
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

/* A prover over the evidence store of the config (or --store), for prove and chain. */
static prover *prover_open(cli_ctx *ctx, int argc, char **argv, char store[NET_PATH_MAX], int *rc)
{
    prover *p = calloc(1, sizeof *p);
    LDG_ASSERT(p);
    p->ctx = ctx;
    p->store = store;
    p->private_lines = cli_flag(argc, argv, "--private");
    *rc = cli_load_config(ctx);
    if (*rc == CLI_OK)
        *rc = store_dir(ctx, argc, argv, store, NET_PATH_MAX);
    return p;
}

static int cmd_prove(cli_ctx *ctx, int argc, char **argv)
{
    ldg_hash id, gh;
    const char *out = out_opt(argc, argv), *rid = positional(argc, argv, 0);
    const char *file = cli_opt(argc, argv, "--file"), *line = cli_opt(argc, argv, "--line");
    const char *rec = cli_opt(argc, argv, "--record"); /* the same as RECORD_ID */
    uint64_t seq = 0;
    if (rec && rid) {
        cli_fail(ctx, "USAGE", "evidence prove takes RECORD_ID or --record ID, not both");
        return CLI_USAGE;
    }
    rid = rec ? rec : rid;
    if (!out || (rid ? file || line || ldg_hex_decode(id.b, LDG_HASH_LEN, rid) != 0
                     : !file || !cli_parse_u64(line, LDG_EV_FILE_RECORDS_MAX, &seq) || !seq)) {
        cli_fail(ctx, "USAGE",
                 "evidence prove needs a record id (64 hex; RECORD_ID or --record ID), or --file F "
                 "--line N, and --out FILE");
        return CLI_USAGE;
    }
    char store[NET_PATH_MAX];
    int rc;
    prover *p = prover_open(ctx, argc, argv, store, &rc);
    if (rc == CLI_OK && !rid && !store_find_line(ctx, store, file, seq, &id)) {
        cli_fail(ctx, "NOT_FOUND", "no record of %s line %llu in the evidence store %s", file,
                 (unsigned long long)seq, store);
        rc = CLI_REJECTED;
    }
    if (rc == CLI_OK)
        rc = genesis_hash_of_node(ctx, &gh);
    if (rc == CLI_OK)
        rc = add_item(p, &id);
    if (rc == CLI_OK) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_ev_bundle_encode(&e, &gh, p->items, p->nitems, p->anchors, p->nanchors);
        rc = cli_write_file(ctx, out, ldg_enc_data(&e), ldg_enc_len(&e));
        if (rc == CLI_OK && !ctx->json)
            printf("wrote %s: %zu record%s, %zu anchor%s, %zu bytes\n", out, p->nitems,
                   p->nitems == 1 ? "" : "s", p->nanchors, p->nanchors == 1 ? "" : "s",
                   ldg_enc_len(&e));
        ldg_enc_free(&e);
    }
    for (size_t i = 0; i < p->nitems; i++)
        ldg_ev_proved_free(&p->recs[i]);
    for (size_t i = 0; i < p->nanchors; i++)
        for (int k = 0; k < 4; k++)
            free(p->anchor_bytes[i][k]);
    free(p);
    return rc;
}

/* ---- chain (§6.1 version 2) ---- */

static void rec_name(char *out, size_t len, const ldg_ev_proved *r)
{
    char hex[17];
    ldg_hex_encode(hex, r->id.b, 8);
    snprintf(out, len, "record %s… (%s %s line %llu, time %llu)", hex, r->record.type,
             r->record.source, (unsigned long long)r->record.seq,
             (unsigned long long)r->record.time_ms);
}

/* Reads a record of the chain into the next slot; `from` (may be NULL) is the record that
 * names it, for the errors. */
static int chain_add(prover *p, const ldg_hash *id, const ldg_ev_proved *from, bool hint,
                     bool *added)
{
    *added = false;
    if (have_item(p, id))
        return CLI_OK;
    if (p->nitems == LDG_EV_BUNDLE_ITEMS_MAX) {
        cli_fail(p->ctx, "TOO_LARGE",
                 "the evidence chain has more than %d records, the most a "
                 "bundle holds",
                 LDG_EV_BUNDLE_ITEMS_MAX);
        return CLI_REJECTED;
    }
    char hex[65], who[512];
    ldg_hex_encode(hex, id->b, LDG_HASH_LEN);
    if (!store_find(p->ctx, p->store, id, &p->recs[p->nitems])) {
        if (hint) /* a stale entry of the link index */
            return CLI_OK;
        if (!from) {
            cli_fail(p->ctx, "NOT_FOUND", "record %s is not in the evidence store %s", hex,
                     p->store);
            return CLI_REJECTED;
        }
        rec_name(who, sizeof who, from);
        cli_fail(p->ctx, "LINK_MISSING",
                 "%s links to record %s, which is not in the evidence "
                 "store %s: the chain cannot be proved",
                 who, hex, p->store);
        return CLI_REJECTED;
    }
    p->nitems++;
    *added = true;
    return CLI_OK;
}

/* The whole process of a record: what its links reach and what links to it, transitively. */
static int chain_collect(prover *p, const ldg_hash *start)
{
    bool added;
    int rc = chain_add(p, start, NULL, false, &added);
    for (size_t q = 0; rc == CLI_OK && q < p->nitems; q++) {
        const ldg_ev_proved *r = &p->recs[q];
        for (uint32_t l = 0; rc == CLI_OK && l < r->record.link_count; l++)
            rc = chain_add(p, &r->record.links[l], r, false, &added);
        ldg_hash next[LDG_EV_BUNDLE_ITEMS_MAX + 1];
        size_t n = links_to(p->ctx, p->store, &r->id, next, LDG_ARRAY_LEN(next));
        for (size_t i = 0; rc == CLI_OK && i < n; i++) {
            rc = chain_add(p, &next[i], r, true, &added);
            const ldg_ev_proved *d = &p->recs[p->nitems - 1];
            bool links = false; /* the index is a hint: the record must hold the link */
            for (uint32_t l = 0; added && l < d->record.link_count; l++)
                links |= !memcmp(d->record.links[l].b, r->id.b, LDG_HASH_LEN);
            if (added && !links)
                ldg_ev_proved_free(&p->recs[--p->nitems]);
        }
    }
    return rc;
}

/* Each link's record is not later than the record that names it. */
static int chain_times(prover *p)
{
    for (size_t i = 0; i < p->nitems; i++) {
        const ldg_ev_proved *r = &p->recs[i];
        for (uint32_t l = 0; l < r->record.link_count; l++)
            for (size_t j = 0; j < p->nitems; j++) {
                if (memcmp(p->recs[j].id.b, r->record.links[l].b, LDG_HASH_LEN) != 0 ||
                    p->recs[j].record.time_ms <= r->record.time_ms)
                    continue;
                char a[512], b[512];
                rec_name(a, sizeof a, r);
                rec_name(b, sizeof b, &p->recs[j]);
                cli_fail(p->ctx, "LINK_LATER", "%s links to %s, which is later than itself", a, b);
                return CLI_REJECTED;
            }
    }
    return CLI_OK;
}

/* Time order, each record after the records it links to (ties: line, then id). */
static void chain_order(const prover *p, size_t *order)
{
    bool placed[LDG_EV_BUNDLE_ITEMS_MAX] = {0};
    for (size_t k = 0; k < p->nitems; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < p->nitems; i++) {
            const ldg_ev_proved *r = &p->recs[i];
            bool ready = !placed[i];
            for (uint32_t l = 0; ready && l < r->record.link_count; l++)
                for (size_t j = 0; j < p->nitems; j++)
                    if (!placed[j] && !memcmp(p->recs[j].id.b, r->record.links[l].b, LDG_HASH_LEN))
                        ready = false;
            if (!ready)
                continue;
            const ldg_ev_proved *b = best == SIZE_MAX ? NULL : &p->recs[best];
            if (!b || r->record.time_ms < b->record.time_ms ||
                (r->record.time_ms == b->record.time_ms &&
                 (r->record.seq < b->record.seq ||
                  (r->record.seq == b->record.seq && memcmp(r->id.b, b->id.b, LDG_HASH_LEN) < 0))))
                best = i;
        }
        LDG_ASSERT(best != SIZE_MAX); /* links point back in time: no cycle */
        placed[best] = true;
        order[k] = best;
    }
}

static int chain_items(prover *p)
{
    size_t order[LDG_EV_BUNDLE_ITEMS_MAX];
    chain_order(p, order);
    int rc = CLI_OK;
    for (size_t k = 0; k < p->nitems && rc == CLI_OK; k++) {
        const ldg_ev_proved *pr = &p->recs[order[k]];
        rc = fill_item(p, &p->items[k], pr);
    }
    return rc;
}

static int cmd_chain(cli_ctx *ctx, int argc, char **argv)
{
    ldg_hash id, gh;
    const char *out = out_opt(argc, argv), *rid = positional(argc, argv, 0);
    if (!out || !rid || ldg_hex_decode(id.b, LDG_HASH_LEN, rid) != 0) {
        cli_fail(ctx, "USAGE", "evidence chain needs a record id (64 hex) and --out FILE");
        return CLI_USAGE;
    }
    char store[NET_PATH_MAX];
    int rc;
    prover *p = prover_open(ctx, argc, argv, store, &rc);
    if (rc == CLI_OK)
        rc = chain_collect(p, &id);
    if (rc == CLI_OK)
        rc = chain_times(p);
    if (rc == CLI_OK)
        rc = genesis_hash_of_node(ctx, &gh);
    if (rc == CLI_OK)
        rc = chain_items(p);
    if (rc == CLI_OK) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_ev_bundle_encode_v(&e, 2, &gh, p->items, p->nitems, p->anchors, p->nanchors);
        rc = cli_write_file(ctx, out, ldg_enc_data(&e), ldg_enc_len(&e));
        if (rc == CLI_OK && !ctx->json)
            printf("wrote %s: an evidence chain of %zu record%s, %zu anchor%s, %zu bytes\n", out,
                   p->nitems, p->nitems == 1 ? "" : "s", p->nanchors, p->nanchors == 1 ? "" : "s",
                   ldg_enc_len(&e));
        ldg_enc_free(&e);
    }
    for (size_t i = 0; i < p->nitems; i++)
        ldg_ev_proved_free(&p->recs[i]);
    for (size_t i = 0; i < p->nanchors; i++)
        for (int k = 0; k < 4; k++)
            free(p->anchor_bytes[i][k]);
    free(p);
    return rc;
}

/* ---- disclose (§10) ---- */

static void proved_encode(ldg_enc *e, const ldg_ev_proved *p)
{
    ldg_enc_array(e, 6);
    ldg_enc_bin(e, p->bytes, p->bytes_len);
    ldg_enc_bin(e, p->line, p->line_len);
    ldg_enc_bin(e, p->salt.b, LDG_HASH_LEN);
    ldg_enc_u64(e, p->index);
    ldg_enc_array(e, p->path_len);
    for (uint32_t i = 0; i < p->path_len; i++)
        ldg_enc_bin(e, p->path[i].b, LDG_HASH_LEN);
    ldg_enc_bin(e, p->slice_root.b, LDG_HASH_LEN);
}

/* The disclosure an acknowledgement links to: its first link of type disclosure. */
static int find_disclosure(cli_ctx *ctx, const char *store, const ldg_ev_proved *ack,
                           ldg_ev_proved *out)
{
    for (uint32_t i = 0; i < ack->record.link_count; i++) {
        if (!store_find(ctx, store, &ack->record.links[i], out))
            continue;
        if (!strcmp(out->record.type, "disclosure"))
            return CLI_OK;
        ldg_ev_proved_free(out);
    }
    cli_fail(ctx, "NOT_FOUND",
             "the acknowledgement (%s line %llu) links to no disclosure record "
             "in the evidence store %s",
             ack->record.source, (unsigned long long)ack->record.seq, store);
    return CLI_REJECTED;
}

static int cmd_disclose(cli_ctx *ctx, int argc, char **argv)
{
    ldg_hash id;
    const char *rid = positional(argc, argv, 0), *who = cli_opt(argc, argv, "--investor");
    const char *isin = cli_opt(argc, argv, "--isin");
    if (!rid || !who || !isin || ldg_hex_decode(id.b, LDG_HASH_LEN, rid) != 0 || !*isin ||
        strlen(isin) > LDG_EV_ISIN_LEN_MAX) {
        cli_fail(ctx, "USAGE",
                 "evidence disclose needs the acknowledgement's record id (64 hex), "
                 "--investor ACCOUNT and --isin ISIN");
        return CLI_USAGE;
    }
    char store[NET_PATH_MAX];
    ldg_account investor;
    ldg_ev_proved ack = {0}, dis = {0};
    int rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    if (rc == CLI_OK)
        rc = cli_resolve_account(ctx, who, &investor);
    if (rc == CLI_OK && !store_find(ctx, store, &id, &ack)) {
        cli_fail(ctx, "NOT_FOUND", "record %s is not in the evidence store %s", rid, store);
        rc = CLI_REJECTED;
    }
    if (rc == CLI_OK)
        rc = find_disclosure(ctx, store, &ack, &dis);
    if (rc == CLI_OK && (!ack.line || !dis.line)) {
        cli_fail(ctx, "PURGED",
                 "the %s's line was deleted by retention (evidence purge): the "
                 "chain needs the content to register a disclosure",
                 !dis.line ? "disclosure" : "acknowledgement");
        rc = CLI_REJECTED;
    }
    if (rc == CLI_OK) {
        ldg_enc p;
        ldg_enc_init(&p);
        ldg_enc_array(&p, 4);
        ldg_enc_bin(&p, investor.b, LDG_ACCOUNT_LEN);
        ldg_enc_str(&p, isin);
        proved_encode(&p, &dis);
        proved_encode(&p, &ack);
        rc = cli_submit(ctx, LDG_TX_EV_DISCLOSE, &p, "evidence disclose", NULL);
        ldg_enc_free(&p);
    }
    ldg_ev_proved_free(&ack);
    ldg_ev_proved_free(&dis);
    return rc;
}

/* ---- verify ---- */

static void iso_time(char *out, size_t len, uint64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03uZ", base, (unsigned)(ms % 1000));
}

static json_t *fact_json(const ldg_ev_fact *f)
{
    char id[65], subj[LDG_ACCOUNT_HEX_LEN], key[65], tx[65], t[40], bt[40];
    ldg_hex_encode(id, f->id.b, LDG_HASH_LEN);
    ldg_account_hex(subj, &f->record.subject);
    ldg_hex_encode(key, f->signer.b, LDG_PUBKEY_LEN);
    ldg_hex_encode(tx, f->anchor_txid.b, LDG_HASH_LEN);
    iso_time(t, sizeof t, f->record.time_ms);
    iso_time(bt, sizeof bt, f->block_time_ms);
    json_t *links = json_array();
    for (uint32_t i = 0; i < f->record.link_count; i++) {
        char l[65];
        ldg_hex_encode(l, f->record.links[i].b, LDG_HASH_LEN);
        json_array_append_new(links, json_string(l));
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:o,s:b,s:I,s:s,s:s}", "record", id,
                     "subject", subj, "signer_key", key, "source", f->record.source, "line",
                     (json_int_t)f->record.seq, "offset", (json_int_t)f->record.offset, "time", t,
                     "type", f->record.type, "links", links, "content_included", f->has_line,
                     "block", (json_int_t)f->height, "block_time", bt, "anchor_tx", tx);
}

static void print_fact(json_t *j)
{
    printf("record %s\n", json_string_value(json_object_get(j, "record")));
    printf("  %s at %s, by subject %s\n", json_string_value(json_object_get(j, "type")),
           json_string_value(json_object_get(j, "time")),
           json_string_value(json_object_get(j, "subject")));
    printf("  source %s line %lld (offset %lld)%s\n",
           json_string_value(json_object_get(j, "source")),
           (long long)json_integer_value(json_object_get(j, "line")),
           (long long)json_integer_value(json_object_get(j, "offset")),
           json_is_true(json_object_get(j, "content_included")) ? "" : ", content withheld");
    printf("  anchored no later than %s in block %lld (tx %s)\n",
           json_string_value(json_object_get(j, "block_time")),
           (long long)json_integer_value(json_object_get(j, "block")),
           json_string_value(json_object_get(j, "anchor_tx")));
    json_t *links = json_object_get(j, "links");
    for (size_t i = 0; i < json_array_size(links); i++)
        printf("  follows from %s\n", json_string_value(json_array_get(links, i)));
}

static int cmd_verify(cli_ctx *ctx, int argc, char **argv)
{
    const char *gpath = cli_opt(argc, argv, "--genesis");
    if (!gpath) {
        cli_fail(ctx, "USAGE", "evidence verify needs --genesis FILE (the chain's genesis.bin)");
        return CLI_USAGE;
    }
    uint8_t *b = NULL, *g = NULL;
    size_t bl, gl;
    const char *bpath = positional(argc, argv, 0);
    int rc = bpath ? read_bounded(ctx, bpath, LDG_EV_BUNDLE_BYTES_MAX, &b, &bl) : CLI_USAGE;
    if (rc == CLI_OK)
        rc = read_bounded(ctx, gpath, 16u << 20, &g, &gl);
    if (rc != CLI_OK) {
        free(b);
        return rc;
    }
    ldg_ev_fact *facts = calloc(LDG_EV_BUNDLE_ITEMS_MAX, sizeof *facts);
    LDG_ASSERT(facts);
    size_t nf;
    char why[256];
    bool chain;
    ldg_ev_verr r = ldg_ev_bundle_verify_v(b, bl, g, gl, facts, &nf, &chain, why, sizeof why);
    free(b);
    free(g);
    if (r != LDG_EV_VOK) {
        free(facts);
        cli_fail(ctx, ldg_ev_verr_name(r), "the bundle does not verify: %s: %s",
                 ldg_ev_verr_name(r), why);
        return CLI_REJECTED;
    }
    json_t *all = json_array();
    for (size_t i = 0; i < nf; i++)
        json_array_append_new(all, fact_json(&facts[i]));
    free(facts);
    if (ctx->json) {
        json_t *j = json_pack("{s:b,s:b,s:o}", "valid", 1, "chain", chain, "records", all);
        cli_print_json(j);
        json_decref(j);
    } else {
        if (chain)
            printf("valid evidence chain: %zu record%s in time order, each link to an earlier "
                   "record of the chain, one connected process\n",
                   nf, nf == 1 ? "" : "s");
        printf("valid: %zu record%s, each in a slice signed by its subject and certified by the "
               "genesis validators\n",
               nf, nf == 1 ? "" : "s");
        for (size_t i = 0; i < nf; i++)
            print_fact(json_array_get(all, i));
        printf("(the anchors' receipts are not under the block header: check them with "
               "'folio tx show' on a node)\n");
        json_decref(all);
    }
    return CLI_OK;
}

/* ---- mirrors and restore (§2.4) ---- */

/* What the chain says of an anchored slice root. */
typedef net_ev_anchored anchored;

static int anchor_facts(cli_ctx *ctx, const ldg_hash *root, anchored *out, json_t **by)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, "evidence");
    ldg_enc_str(&e, "anchor");
    ldg_enc_bin(&e, root->b, LDG_HASH_LEN);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    out->count = (uint64_t)json_integer_value(json_object_get(j, "record_count"));
    out->t_first = (uint64_t)json_integer_value(json_object_get(j, "time_first"));
    out->t_last = (uint64_t)json_integer_value(json_object_get(j, "time_last"));
    out->copies = (uint64_t)json_integer_value(json_object_get(j, "attested_copies"));
    bool ok = hex_field(j, "subject", out->subject.b, LDG_ACCOUNT_LEN) &&
              hex_field(j, "txid", out->txid.b, LDG_HASH_LEN);
    json_t *a = json_object_get(j, "attested_by");
    if (by) /* the members keeping a copy, each an account and a height (NULL: none given) */
        *by = json_is_array(a) ? json_incref(a) : NULL;
    json_decref(j);
    if (!ok) {
        cli_fail(ctx, "PROTOCOL", "the node's evidence anchor reply is malformed");
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

/* Reads the slice ROOT from another store (a mirror, a copy shipped off-site) and checks it
 * against its anchor: it decodes, hashes to ROOT, and has the anchored subject, count and
 * time range. The bytes (*z) and the anchor's facts on success. */
static bool copy_matches(const ldg_hash *root, const uint8_t *z, size_t zl, const anchored *an)
{
    return net_evstore_copy_matches(root, z, zl, an);
}

static int verify_copy(cli_ctx *ctx, const char *from, const ldg_hash *root, uint8_t **z,
                       size_t *zl, anchored *an)
{
    char path[NET_PATH_MAX + 80], hex[65];
    slice_path(path, sizeof path, from, root, "slice");
    ldg_hex_encode(hex, root->b, LDG_HASH_LEN);
    int rc = anchor_facts(ctx, root, an, NULL);
    if (rc == CLI_OK)
        rc = read_bounded(ctx, path, ZSTD_COMPRESSBOUND(LDG_EV_SLICE_RAW_MAX), z, zl);
    if (rc != CLI_OK)
        return rc;
    if (!copy_matches(root, *z, *zl, an)) {
        free(*z);
        *z = NULL;
        cli_fail(ctx, "SLICE_MISMATCH",
                 "%s does not decode to the slice anchored as %s (its root, subject, record "
                 "count or time range differ): refused",
                 path, hex);
        return CLI_REJECTED;
    }
    return CLI_OK;
}

/* Puts a verified copy into the store: the file, its anchor sidecar, its ids in the index. */
static int install_copy(cli_ctx *ctx, const char *store, const ldg_hash *root, const uint8_t *z,
                        size_t zl, const ldg_hash *txid)
{
    char err[NET_PATH_MAX + 128];
    if (net_evstore_install(store, root, z, zl, txid, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "IO", "%s", err);
        return CLI_LOCAL;
    }
    return CLI_OK;
}

/* The member this home fetches from other members' stores as (their evidence_slice and
 * evidence_slices are for members, signed): --as, else [evidence] attest_as, else the
 * default signer; and the chain's genesis, from the home's node. kp is wiped by the
 * caller. */
static int origin_signer(cli_ctx *ctx, ldg_keypair *kp, net_evorigin_signer *sg)
{
    if (!ctx->as && cli_load_config(ctx) == CLI_OK && ctx->cfg.ev_attest_as[0])
        ctx->as = ctx->cfg.ev_attest_as;
    int rc = cli_signer(ctx, kp);
    if (rc == CLI_OK)
        rc = genesis_hash_of_node(ctx, &sg->genesis);
    sg->key = kp;
    return rc;
}

/* Restore from another member's node (an RPC URL): its copy, checked against the anchor. */
static int restore_remote(cli_ctx *ctx, const char *url, const ldg_hash *root, uint8_t **z,
                          size_t *zl, anchored *an)
{
    char err[512] = "", hex[65];
    ldg_hex_encode(hex, root->b, LDG_HASH_LEN);
    ldg_keypair kp;
    net_evorigin_signer sg;
    int rc = origin_signer(ctx, &kp, &sg);
    if (rc == CLI_OK)
        rc = anchor_facts(ctx, root, an, NULL);
    if (rc != CLI_OK) {
        explicit_bzero(&kp, sizeof kp);
        return rc;
    }
    net_client *c;
    if (net_client_open(&c, url, 30000, err, sizeof err) != LDG_OK) {
        explicit_bzero(&kp, sizeof kp);
        cli_fail(ctx, "UNAVAILABLE", "cannot reach %s: %s", url, err);
        return CLI_UNAVAILABLE;
    }
    *z = net_evorigin_fetch(c, &sg, root, zl, NULL, err, sizeof err);
    explicit_bzero(&kp, sizeof kp);
    net_client_close(c);
    if (!*z) {
        cli_fail(ctx, "UNAVAILABLE", "%s did not give slice %s: %s", url, hex, err);
        return CLI_UNAVAILABLE;
    }
    if (!copy_matches(root, *z, *zl, an)) {
        free(*z);
        *z = NULL;
        cli_fail(ctx, "SLICE_MISMATCH",
                 "the copy of slice %s from %s does not decode to the slice anchored on chain: "
                 "refused",
                 hex, url);
        return CLI_REJECTED;
    }
    return CLI_OK;
}

static int cmd_restore(cli_ctx *ctx, int argc, char **argv)
{
    ldg_hash root, txid;
    const char *id = cli_opt(argc, argv, "--slice"), *from = cli_opt(argc, argv, "--from");
    if (!id || ldg_hex_decode(root.b, LDG_HASH_LEN, id) != 0) {
        cli_fail(ctx, "USAGE",
                 "evidence restore needs --slice ROOT (64 hex), and --from DIR or URL (default: "
                 "the first of [evidence] mirrors)");
        return CLI_USAGE;
    }
    char store[NET_PATH_MAX];
    uint8_t *z = NULL;
    size_t zl;
    anchored an = {0};
    int rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    char first[sizeof ctx->cfg.ev_mirrors];
    if (rc == CLI_OK && !from) { /* any mirror: the configured ones in turn */
        snprintf(first, sizeof first, "%s", ctx->cfg.ev_mirrors);
        rc = CLI_UNAVAILABLE;
        for (char *save, *u = strtok_r(first, ", ", &save); u && rc != CLI_OK;
             u = strtok_r(NULL, ", ", &save))
            from = u, rc = restore_remote(ctx, u, &root, &z, &zl, &an);
        if (!from)
            cli_fail(ctx, "USAGE", "no --from and no [evidence] mirrors in the config");
    } else if (rc == CLI_OK) {
        rc = strstr(from, "://") ? restore_remote(ctx, from, &root, &z, &zl, &an)
                                 : verify_copy(ctx, from, &root, &z, &zl, &an);
    }
    txid = an.txid;
    if (rc == CLI_OK)
        rc = install_copy(ctx, store, &root, z, zl, &txid);
    free(z);
    if (rc == CLI_OK && !ctx->json)
        printf("restored slice %s from %s: %llu records, verified against its anchor (%llu "
               "attested copies on chain)\n",
               id, from, (unsigned long long)an.count, (unsigned long long)an.copies);
    return rc;
}

/* Another member keeps a copy of the slices of a store it received (any transport): each
 * is verified against its anchor, stored, and attested on chain (evidence.attest). */
static int cmd_mirror(cli_ctx *ctx, int argc, char **argv)
{
    const char *from = cli_opt(argc, argv, "--from");
    if (!from) {
        cli_fail(ctx, "USAGE", "evidence mirror needs --from DIR (the copy of a broker's store)");
        return CLI_USAGE;
    }
    char store[NET_PATH_MAX];
    int rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    if (rc != CLI_OK)
        return rc;
    ldg_hash *roots, txid;
    size_t n = store_list(from, &roots), done = 0;
    for (size_t i = 0; i < n && rc == CLI_OK; i++) {
        if (slice_anchored(store, &roots[i], &txid))
            continue; /* mirrored and attested before */
        uint8_t *z;
        size_t zl;
        anchored an;
        rc = verify_copy(ctx, from, &roots[i], &z, &zl, &an);
        if (rc == CLI_OK) {
            ldg_enc p;
            ldg_enc_init(&p);
            ldg_enc_array(&p, 1);
            ldg_enc_bin(&p, roots[i].b, LDG_HASH_LEN);
            rc = cli_submit(ctx, LDG_TX_EV_ATTEST, &p, "evidence attest", NULL);
            ldg_enc_free(&p);
            if (rc == CLI_OK)
                rc = install_copy(ctx, store, &roots[i], z, zl, &an.txid);
            free(z);
            done += rc == CLI_OK;
        }
    }
    free(roots);
    if (rc == CLI_OK && !ctx->json)
        printf("mirrored and attested %zu slice%s from %s\n", done, done == 1 ? "" : "s", from);
    return rc;
}

/* ---- sync: automatic replication from the configured mirrors, and retention ---- */

/* The pass's own-chain side for the CLI (net_evpass_ops): the node answers `evidence
 * anchor`, evidence.attest goes through cli_submit (checked, submitted, waited for). */
static ldg_err sync_anchor(void *arg, const ldg_hash *root, net_ev_anchored *out)
{
    return anchor_facts(arg, root, out, NULL) == CLI_OK ? LDG_OK : LDG_ERR_NOT_FOUND;
}

static ldg_err sync_attest(void *arg, const ldg_hash *root, char *err, size_t err_len)
{
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 1);
    ldg_enc_bin(&p, root->b, LDG_HASH_LEN);
    int rc = cli_submit(arg, LDG_TX_EV_ATTEST, &p, "evidence attest", NULL);
    ldg_enc_free(&p);
    snprintf(err, err_len, "evidence attest was not committed (exit %d)", rc);
    return rc == CLI_OK ? LDG_OK : LDG_ERR_INVALID;
}

static void sync_say(void *arg, bool error, const char *line)
{
    cli_ctx *ctx = arg;
    if (error)
        fprintf(stderr, "folio: %s\n", line);
    else if (!ctx->json)
        printf("%s\n", line);
}

static int cmd_sync(cli_ctx *ctx, int argc, char **argv)
{
    char store[NET_PATH_MAX];
    int rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    const char *list = cli_opt(argc, argv, "--from");
    if (rc == CLI_OK && !list)
        list = ctx->cfg.ev_mirrors;
    ldg_keypair kp;
    net_evorigin_signer sg;
    if (rc == CLI_OK && *list)
        rc = origin_signer(ctx, &kp, &sg);
    if (rc != CLI_OK) {
        explicit_bzero(&kp, sizeof kp);
        return rc;
    }
    net_evpass_cfg cfg = {.store = store,
                          .mirrors = list,
                          .signer = *list ? &sg : NULL,
                          .retention_days = ctx->cfg.ev_retention_days};
    net_evpass_ops ops = {
        .arg = ctx, .anchor = sync_anchor, .attest = sync_attest, .say = sync_say};
    net_evpass_stats st;
    ldg_err e = net_evpass_run(&cfg, &ops, &st);
    explicit_bzero(&kp, sizeof kp);
    if (ctx->json) {
        json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "mirrors",
                              (json_int_t)st.mirrors, "copied", (json_int_t)st.copied, "refused",
                              (json_int_t)st.refused, "failed", (json_int_t)st.failed, "purged",
                              (json_int_t)st.purged, "listed", (json_int_t)st.listed, "index_pages",
                              (json_int_t)st.pages, "pending", (json_int_t)st.pending);
        cli_print_json(j);
        json_decref(j);
    }
    if (e != LDG_OK) {
        cli_fail(ctx, "IO", "the retention pass failed (the line above)");
        return CLI_LOCAL;
    }
    if (st.refused) {
        cli_fail(ctx, "SLICE_MISMATCH",
                 "%zu slice%s refused: the copies do not match their anchors", st.refused,
                 st.refused == 1 ? "" : "s");
        return CLI_REJECTED;
    }
    return CLI_OK;
}

/* ---- status ---- */

static json_t *slice_json(const char *store, const ldg_ev_slice *s)
{
    char root[65], t0[40], t1[40], tx[65] = "";
    ldg_hash txid;
    ldg_hex_encode(root, s->root.b, LDG_HASH_LEN);
    iso_time(t0, sizeof t0, s->t_first);
    iso_time(t1, sizeof t1, s->t_last);
    if (slice_anchored(store, &s->root, &txid))
        ldg_hex_encode(tx, txid.b, LDG_HASH_LEN);
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:b}", "slice_root", root, "records", (json_int_t)s->n,
                     "time_first", t0, "time_last", t1, "anchor_tx", tx, "lines_deleted",
                     s->purged);
}

static int cmd_status(cli_ctx *ctx, int argc, char **argv)
{
    char store[NET_PATH_MAX];
    const char *cp = cli_opt(argc, argv, "--copies");
    uint64_t want = 0;
    if (cp && !cli_parse_u64(cp, 1000, &want)) {
        cli_fail(ctx, "USAGE", "--copies is the number of attested copies each slice needs");
        return CLI_USAGE;
    }
    int rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    if (rc != CLI_OK)
        return rc;
    if (!cp && ctx->cfg.ev_copies_required > 0) { /* [evidence] copies_required */
        want = (uint64_t)ctx->cfg.ev_copies_required;
        cp = "config";
    }
    const char *who = cli_opt(argc, argv, "--subject");
    ldg_account subject;
    if (who && (rc = cli_resolve_account(ctx, who, &subject)) != CLI_OK)
        return rc;
    ldg_hash *roots;
    size_t n = store_list(store, &roots), records = 0, pending = 0, short_of = 0;
    json_t *all = json_array();
    for (size_t i = 0; i < n; i++) {
        ldg_ev_slice s;
        if (slice_load(ctx, store, &roots[i], &s) != CLI_OK) {
            rc = CLI_REJECTED; /* named by slice_load; the others are still listed */
            continue;
        }
        if (who && memcmp(s.subject.b, subject.b, LDG_ACCOUNT_LEN) != 0) {
            ldg_ev_slice_clear(&s); /* another subject's (a mirrored copy) */
            continue;
        }
        json_t *j = slice_json(store, &s);
        records += s.n;
        bool anch = *json_string_value(json_object_get(j, "anchor_tx"));
        pending += !anch;
        anchored an;
        json_t *by = NULL;
        if (cp && anch && (rc = anchor_facts(ctx, &roots[i], &an, &by)) == CLI_OK) {
            json_object_set_new(j, "attested_copies", json_integer((json_int_t)an.copies));
            json_object_set_new(j, "attested_by", by ? by : json_array());
            short_of += an.copies < want;
        }
        json_array_append_new(all, j);
        ldg_ev_slice_clear(&s);
    }
    free(roots);
    n = json_array_size(all);
    if (ctx->json) {
        json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:o}", "store", store, "slices", (json_int_t)n,
                              "records", (json_int_t)records, "not_anchored", (json_int_t)pending,
                              "fewer_copies", (json_int_t)short_of, "list", all);
        cli_print_json(j);
        json_decref(j);
        return rc;
    }
    printf("%s: %zu slices, %zu records, %zu not anchored", store, n, records, pending);
    if (cp)
        printf(", %zu with fewer than %llu attested copies", short_of, (unsigned long long)want);
    printf("\n");
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *j = json_array_get(all, i);
        const char *tx = json_string_value(json_object_get(j, "anchor_tx"));
        printf("  %.16s  %6lld records  %s .. %s  %s%s\n",
               json_string_value(json_object_get(j, "slice_root")),
               (long long)json_integer_value(json_object_get(j, "records")),
               json_string_value(json_object_get(j, "time_first")),
               json_string_value(json_object_get(j, "time_last")), *tx ? "anchored by " : "",
               *tx ? tx : "NOT ANCHORED (folio evidence anchor)");
        json_t *c = json_object_get(j, "attested_copies"), *by = json_object_get(j, "attested_by");
        for (size_t k = 0; k < json_array_size(by); k++) {
            json_t *m = json_array_get(by, k);
            printf("%s%.16s (block %lld)%s", k ? ", " : "    copies kept by: ",
                   json_string_value(json_object_get(m, "member")),
                   (long long)json_integer_value(json_object_get(m, "height")),
                   k + 1 == json_array_size(by) ? "\n" : "");
        }
        if (c && (uint64_t)json_integer_value(c) < want)
            printf("    FEWER COPIES: %lld attested, %llu required (folio evidence mirror)\n",
                   (long long)json_integer_value(c), (unsigned long long)want);
    }
    json_decref(all);
    return rc;
}

/* ---- purge (retention, §2.3) ---- */

static int retention_pass(cli_ctx *ctx, const char *store, uint64_t days, size_t *purged)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    char err[NET_PATH_MAX + 256];
    ldg_err e = net_evstore_retention(store, days, now, purged, err, sizeof err);
    if (e != LDG_OK)
        cli_fail(ctx, e == LDG_ERR_CORRUPT ? "SLICE_CHANGED" : "IO", "%s", err);
    return e == LDG_OK ? CLI_OK : e == LDG_ERR_CORRUPT ? CLI_REJECTED : CLI_LOCAL;
}

static int cmd_purge(cli_ctx *ctx, int argc, char **argv)
{
    uint64_t days;
    if (!cli_parse_u64(cli_opt(argc, argv, "--older-than"), 100000, &days)) {
        cli_fail(ctx, "USAGE", "evidence purge needs --older-than DAYS (0 to 100000)");
        return CLI_USAGE;
    }
    char store[NET_PATH_MAX];
    size_t purged = 0;
    int rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = store_dir(ctx, argc, argv, store, sizeof store);
    if (rc == CLI_OK)
        rc = retention_pass(ctx, store, days, &purged);
    if (rc == CLI_OK && !ctx->json)
        printf("deleted the lines of %zu anchored slice%s older than %llu day%s; their records, "
               "roots and every proof stay valid\n",
               purged, purged == 1 ? "" : "s", (unsigned long long)days, days == 1 ? "" : "s");
    return rc;
}

/* ---- consistency ---- */

static bool hashes_field(json_t *j, const char *name, ldg_hash *out, size_t max, size_t *n)
{
    json_t *a = json_object_get(j, name);
    if (!json_is_array(a) || json_array_size(a) > max)
        return false;
    *n = json_array_size(a);
    for (size_t i = 0; i < *n; i++) {
        const char *h = json_string_value(json_array_get(a, i));
        if (!h || ldg_hex_decode(out[i].b, LDG_HASH_LEN, h) != 0)
            return false;
    }
    return true;
}

static int cmd_consistency(cli_ctx *ctx, int argc, char **argv)
{
    uint64_t m, n;
    const char *who = positional(argc, argv, 0);
    if (!cli_parse_u64(positional(argc, argv, 1), UINT64_MAX, &m) ||
        !cli_parse_u64(positional(argc, argv, 2), UINT64_MAX, &n) || m == 0 || m > n) {
        cli_fail(ctx, "USAGE", "evidence consistency needs SUBJECT M N with 0 < M <= N");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, "evidence");
    ldg_enc_str(&e, "consistency");
    ldg_enc_str(&e, who);
    ldg_enc_u64(&e, m);
    ldg_enc_u64(&e, n);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    ldg_hash rm, rn, proof[LDG_EV_PATH_MAX];
    size_t pl;
    bool ok = hex_field(j, "root_m", rm.b, LDG_HASH_LEN) &&
              hex_field(j, "root_n", rn.b, LDG_HASH_LEN) &&
              hashes_field(j, "proof", proof, LDG_EV_PATH_MAX, &pl) &&
              ldg_ev_consistency_verify(m, n, &rm, &rn, proof, pl);
    if (!ok) {
        json_decref(j);
        cli_fail(ctx, "INCONSISTENT",
                 "the node's proof does not show the log of %llu slices inside the log of %llu",
                 (unsigned long long)m, (unsigned long long)n);
        return CLI_REJECTED;
    }
    if (ctx->json)
        cli_print_json(j);
    else
        printf("consistent: the log of %llu slices (root %s) is a prefix of the log of %llu "
               "(root %s); %zu-hash proof\n",
               (unsigned long long)m, json_string_value(json_object_get(j, "root_m")),
               (unsigned long long)n, json_string_value(json_object_get(j, "root_n")), pl);
    json_decref(j);
    return CLI_OK;
}

int cli_evidence_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : "";
    if (!strcmp(verb, "ingest"))
        return cmd_ingest(ctx, argc, argv);
    if (!strcmp(verb, "anchor"))
        return cmd_anchor(ctx, argc, argv);
    if (!strcmp(verb, "prove"))
        return cmd_prove(ctx, argc, argv);
    if (!strcmp(verb, "chain"))
        return cmd_chain(ctx, argc, argv);
    if (!strcmp(verb, "disclose"))
        return cmd_disclose(ctx, argc, argv);
    if (!strcmp(verb, "purge"))
        return cmd_purge(ctx, argc, argv);
    if (!strcmp(verb, "mirror"))
        return cmd_mirror(ctx, argc, argv);
    if (!strcmp(verb, "restore"))
        return cmd_restore(ctx, argc, argv);
    if (!strcmp(verb, "verify"))
        return cmd_verify(ctx, argc, argv);
    if (!strcmp(verb, "consistency"))
        return cmd_consistency(ctx, argc, argv);
    if (!strcmp(verb, "status"))
        return cmd_status(ctx, argc, argv);
    if (!strcmp(verb, "sync"))
        return cmd_sync(ctx, argc, argv);
    cli_fail(ctx, "USAGE",
             "evidence takes ingest, anchor, prove, chain, disclose, purge, mirror, restore, sync, "
             "verify, consistency or status");
    return CLI_USAGE;
}
