#include "ldg_store.h"
#include "ldg_assert.h"
#include "ldg_limits.h"

#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

static const char *cf_names[LDG_CF_COUNT] = {"default", "state", "blocks", "txs", "tree", "index"};

struct ldg_store {
    rocksdb_t *db;
    rocksdb_options_t *opts;       /* the database's, and the state column family's */
    rocksdb_options_t *opts_plain; /* the other column families' (no memtable filter) */
    rocksdb_options_t *opts_tree;  /* the state tree's (no filter at all) */
    rocksdb_readoptions_t *ropts;
    rocksdb_writeoptions_t *wopts_sync;
    rocksdb_writeoptions_t *wopts_nosync;
    rocksdb_column_family_handle_t *cf[LDG_CF_COUNT];
    rocksdb_cache_t *cache;
    rocksdb_block_based_table_options_t *table;
    rocksdb_block_based_table_options_t *table_tree;
    bool failed; /* sticky: a write failed, refuse all later writes */
};

/* A batch keeps its operations until it is written, then hands them to RocksDB sorted by
 * column family and key (stably: the operations on one key keep their order), because a
 * memtable insert in key order starts its skiplist search from the previous insert's
 * place instead of the top: a block's notes, tree nodes and state keys arrive in
 * execution order, scattered over the key space, and their inserts were the largest CPU
 * cost of a commit. A range delete is a barrier: the operations on either side of it are
 * sorted apart and never move across it. */
enum { OP_PUT, OP_DELETE, OP_DELETE_RANGE };
typedef struct batch_op {
    uint64_t head; /* the key's first 8 bytes, big-endian, zero-padded: most compares */
    size_t off;    /* key (then value, or a range's end) in the arena */
    uint32_t klen, vlen;
    uint8_t cf, kind;
} batch_op;

struct ldg_batch {
    ldg_store *s;
    batch_op *ops;
    size_t nops, cap;
    uint8_t *arena;
    size_t used, room;
};

static void log_rocks_error(const char *what, char *err)
{
    fprintf(stderr, "folio: store: %s: %s\n", what, err);
    rocksdb_free(err);
}

static rocksdb_options_t *make_options(ldg_store *s)
{
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(o, 1);
    rocksdb_options_set_create_missing_column_families(o, 1);
    rocksdb_options_set_max_open_files(o, 256);
    rocksdb_options_set_write_buffer_size(o, 64 << 20);
    /* Each store gets its own cap, 3/4 to 5/4 of LDG_STORE_WAL_MAX, drawn at open: replicas
     * fed the same blocks would otherwise all flush at the same moment, and a commit needs
     * 2f+1 of them. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t mix = ((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20)) * 0x9e3779b97f4a7c15ULL;
    rocksdb_options_set_max_total_wal_size(o, (uint64_t)LDG_STORE_WAL_MAX * 3 / 4 +
                                                  (mix >> 32) % (LDG_STORE_WAL_MAX / 2 + 1));
    /* Values are small msgpack records and signatures, which barely compress; compressing
     * them costs CPU that signature checks need (measured: make bench, bench_node). */
    rocksdb_options_set_compression(o, rocksdb_no_compression);
    rocksdb_options_set_max_background_jobs(o, 2);
    /* A node killed under load reopens with up to LDG_STORE_WAL_MAX of log to replay: keep
     * the replayed memtables instead of writing them out before the open returns (they are
     * flushed in the background like any other). */
    rocksdb_options_t *with = rocksdb_options_create();
    char *oerr = NULL;
    rocksdb_get_options_from_string(o, "avoid_flush_during_recovery=true", with, &oerr);
    LDG_ASSERT(oerr == NULL);
    rocksdb_options_destroy(o);
    o = with;
    s->cache = rocksdb_cache_create_lru(64 << 20);
    s->table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(s->table, s->cache);
    rocksdb_filterpolicy_t *bloom = rocksdb_filterpolicy_create_bloom(10);
    rocksdb_block_based_options_set_filter_policy(s->table, bloom);
    rocksdb_options_set_block_based_table_factory(o, s->table);
    /* Most point reads on the hot path are misses (is this tx id already committed?):
     * a whole-key bloom filter in the memtable answers them without a skiplist search.
     * Sized for the memtables LDG_STORE_WAL_MAX lets grow (a few MiB of state each, about
     * 100k keys): 1/50 of the write buffer is 1.3 MiB, some 80 bits a key. */
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(o, 0.02);
    rocksdb_options_set_memtable_whole_key_filtering(o, 1);
    return o;
}

/* The state tree's column family (specs/state.md §5.4): its rows are read only by nodes
 * that exist (a parent names them), so a bloom filter never saves a read and only costs
 * CPU at every flush and compaction; its keys start with the version, so tables do not
 * overlap and a lookup meets one table a level anyway. */
static rocksdb_options_t *tree_options(ldg_store *s)
{
    rocksdb_options_t *o = rocksdb_options_create_copy(s->opts_plain);
    s->table_tree = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(s->table_tree, s->cache);
    rocksdb_options_set_block_based_table_factory(o, s->table_tree);
    return o;
}

/* RocksDB reports what went wrong only as text: "Corruption: ..." for damaged files,
 * "IO error: While lock file: ..." (or "lock hold by current process") when another
 * holds the LOCK file. */
static ldg_err classify_open_error(const char *msg)
{
    if (strncmp(msg, "Corruption:", 11) == 0)
        return LDG_ERR_CORRUPT;
    if (strstr(msg, "lock file") || strstr(msg, "lock hold") || strstr(msg, "/LOCK:"))
        return LDG_ERR_UNAVAILABLE;
    return LDG_ERR_IO;
}

ldg_err ldg_store_open(ldg_store **out, const char *path, bool read_only)
{
    return ldg_store_open_ex(out, path, read_only, false, NULL, 0);
}

/* RocksDB's WALRecoveryMode values (rocksdb/options.h). */
enum { WAL_TOLERATE_CORRUPTED_TAIL = 0, WAL_POINT_IN_TIME = 2 };

/* A read-only open names only the column families the store has: one written before the
 * index family existed still opens (its index reads find nothing). */
static rocksdb_t *open_read_only(ldg_store *s, const char *path,
                                 const rocksdb_options_t *const *cf_opts, char **err)
{
    size_t have_n = 0;
    char *lerr = NULL;
    char **have = rocksdb_list_column_families(s->opts, path, &have_n, &lerr);
    int n = LDG_CF_COUNT;
    if (lerr)
        rocksdb_free(lerr); /* the open below says what is wrong */
    else {
        bool index = false;
        for (size_t i = 0; i < have_n; i++)
            index |= !strcmp(have[i], cf_names[LDG_CF_INDEX]);
        if (!index)
            n = LDG_CF_INDEX;
    }
    if (have)
        rocksdb_list_column_families_destroy(have, have_n);
    return rocksdb_open_for_read_only_column_families(s->opts, path, n, cf_names, cf_opts, s->cf, 0,
                                                      err);
}

ldg_err ldg_store_open_ex(ldg_store **out, const char *path, bool read_only, bool lenient,
                          char *why, size_t why_len)
{
    LDG_ASSERT(read_only || !lenient);
    ldg_store *s = calloc(1, sizeof *s);
    if (!s)
        return LDG_ERR_NOMEM;
    s->opts = make_options(s);
    /* The default (point in time) stops replaying the log at the first damaged record and
     * opens without a word: one flipped byte rolls back every block after it, synced or
     * not. Only a torn final record is the trace of a crash; anything else must stop the
     * node (specs/state.md §6.3). */
    rocksdb_options_set_wal_recovery_mode(s->opts, lenient ? WAL_POINT_IN_TIME
                                                           : WAL_TOLERATE_CORRUPTED_TAIL);
    /* Only the state is read by point lookups that mostly miss; blocks are read by height,
     * and a memtable filter costs a 6 MiB memset at every memtable switch (seen in
     * profiles of block sync). */
    s->opts_plain = rocksdb_options_create_copy(s->opts);
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(s->opts_plain, 0);
    rocksdb_options_set_memtable_whole_key_filtering(s->opts_plain, 0);
    s->opts_tree = tree_options(s);
    const rocksdb_options_t *cf_opts[LDG_CF_COUNT];
    for (int i = 0; i < LDG_CF_COUNT; i++)
        cf_opts[i] = i == LDG_CF_STATE ? s->opts : i == LDG_CF_TREE ? s->opts_tree : s->opts_plain;
    char *err = NULL;
    if (read_only)
        s->db = open_read_only(s, path, cf_opts, &err);
    else
        s->db = rocksdb_open_column_families(s->opts, path, LDG_CF_COUNT, cf_names, cf_opts, s->cf,
                                             &err);
    if (err) {
        ldg_err kind = classify_open_error(err);
        if (why)
            snprintf(why, why_len, "%s", err);
        if (why) /* the caller says it */
            rocksdb_free(err);
        else
            log_rocks_error("open", err);
        rocksdb_options_destroy(s->opts);
        rocksdb_options_destroy(s->opts_plain);
        rocksdb_options_destroy(s->opts_tree);
        rocksdb_block_based_options_destroy(s->table);
        rocksdb_block_based_options_destroy(s->table_tree);
        rocksdb_cache_destroy(s->cache);
        free(s);
        return kind;
    }
    s->ropts = rocksdb_readoptions_create();
    s->wopts_sync = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(s->wopts_sync, 1);
    s->wopts_nosync = rocksdb_writeoptions_create();
    *out = s;
    return LDG_OK;
}

void ldg_store_close(ldg_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < LDG_CF_COUNT; i++)
        if (s->cf[i])
            rocksdb_column_family_handle_destroy(s->cf[i]);
    rocksdb_close(s->db);
    rocksdb_readoptions_destroy(s->ropts);
    rocksdb_writeoptions_destroy(s->wopts_sync);
    rocksdb_writeoptions_destroy(s->wopts_nosync);
    rocksdb_options_destroy(s->opts);
    rocksdb_options_destroy(s->opts_plain);
    rocksdb_options_destroy(s->opts_tree);
    rocksdb_block_based_options_destroy(s->table);
    rocksdb_block_based_options_destroy(s->table_tree);
    rocksdb_cache_destroy(s->cache);
    free(s);
}

/* RocksDB counts every key comparison, block read and so on in a thread-local
 * perf_context unless the calling thread's perf level says not to, and its default counts:
 * in a shared library each count is a __tls_get_addr call, some 15% of a commit's memtable
 * inserts in profiles (bench_node). Nothing here reads those counters, so each call into
 * the store turns them off for its thread first (one thread-local store). */
static void perf_off(void)
{
    rocksdb_set_perf_level(rocksdb_disable);
}

ldg_err ldg_store_get(ldg_store *s, ldg_cf cf, const void *key, size_t klen, uint8_t **val,
                      size_t *vlen)
{
    perf_off();
    char *err = NULL;
    size_t n = 0;
    if (!s->cf[cf])
        return LDG_ERR_NOT_FOUND;
    char *v = rocksdb_get_cf(s->db, s->ropts, s->cf[cf], key, klen, &n, &err);
    if (err) {
        log_rocks_error("get", err);
        return LDG_ERR_IO;
    }
    if (!v)
        return LDG_ERR_NOT_FOUND;
    /* The C API returns a malloc'd buffer (rocksdb_free is free()), so it is handed over
     * as is: no second copy on the hot read path. */
    *val = (uint8_t *)v;
    *vlen = n;
    return LDG_OK;
}

ldg_err ldg_store_multi_get(ldg_store *s, ldg_cf cf, size_t n, const uint8_t *const *keys,
                            const size_t *klens, uint8_t **vals, size_t *vlens, bool *found)
{
    perf_off();
    rocksdb_pinnableslice_t **slices = calloc(n ? n : 1, sizeof *slices);
    char **errs = calloc(n ? n : 1, sizeof *errs);
    LDG_ASSERT(slices && errs);
    rocksdb_batched_multi_get_cf(s->db, s->ropts, s->cf[cf], n, (const char *const *)keys, klens,
                                 slices, errs, false);
    ldg_err err = LDG_OK;
    for (size_t i = 0; i < n; i++) {
        found[i] = false;
        vals[i] = NULL;
        vlens[i] = 0;
        if (errs[i]) {
            if (err == LDG_OK)
                log_rocks_error("multi get", errs[i]);
            else
                rocksdb_free(errs[i]);
            err = LDG_ERR_IO;
        } else if (slices[i]) {
            size_t vl = 0;
            const char *v = rocksdb_pinnableslice_value(slices[i], &vl);
            if (v) {
                vals[i] = malloc(vl ? vl : 1);
                LDG_ASSERT(vals[i]);
                memcpy(vals[i], v, vl);
                vlens[i] = vl;
                found[i] = true;
            }
        }
        if (slices[i])
            rocksdb_pinnableslice_destroy(slices[i]);
    }
    free(slices);
    free(errs);
    if (err != LDG_OK)
        for (size_t i = 0; i < n; i++) {
            free(vals[i]);
            vals[i] = NULL;
            found[i] = false;
        }
    return err;
}

bool ldg_store_has(ldg_store *s, ldg_cf cf, const void *key, size_t klen)
{
    uint8_t *v;
    size_t n;
    if (ldg_store_get(s, cf, key, klen, &v, &n) != LDG_OK)
        return false;
    free(v);
    return true;
}

bool ldg_store_has_cf(const ldg_store *s, ldg_cf cf)
{
    return s->cf[cf] != NULL;
}

ldg_err ldg_store_scan(ldg_store *s, ldg_cf cf, const void *prefix, size_t plen, ldg_scan_fn fn,
                       void *arg)
{
    return ldg_store_scan_from(s, cf, prefix, plen, prefix, plen, fn, arg);
}

/* One snapshot-consistent scan of the keys under prefix, from start, forwards or backwards. */
static ldg_err scan_dir(ldg_store *s, ldg_cf cf, const void *prefix, size_t plen, const void *start,
                        size_t slen, bool back, ldg_scan_fn fn, void *arg)
{
    perf_off();
    LDG_ASSERT(slen >= plen && memcmp(start, prefix, plen) == 0);
    if (!s->cf[cf])
        return LDG_OK;
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(s->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(s->db, ro, s->cf[cf]);
    if (back)
        rocksdb_iter_seek_for_prev(it, start, slen);
    else
        rocksdb_iter_seek(it, start, slen);
    for (; rocksdb_iter_valid(it); back ? rocksdb_iter_prev(it) : rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < plen || memcmp(k, prefix, plen) != 0)
            break;
        const char *v = rocksdb_iter_value(it, &vl);
        if (!fn(arg, (const uint8_t *)k, kl, (const uint8_t *)v, vl))
            break;
    }
    char *err = NULL;
    rocksdb_iter_get_error(it, &err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(s->db, snap);
    if (err) {
        log_rocks_error("scan", err);
        return LDG_ERR_IO;
    }
    return LDG_OK;
}

ldg_err ldg_store_scan_from(ldg_store *s, ldg_cf cf, const void *prefix, size_t plen,
                            const void *start, size_t slen, ldg_scan_fn fn, void *arg)
{
    return scan_dir(s, cf, prefix, plen, start, slen, false, fn, arg);
}

ldg_err ldg_store_scan_back(ldg_store *s, ldg_cf cf, const void *prefix, size_t plen,
                            const void *start, size_t slen, ldg_scan_fn fn, void *arg)
{
    return scan_dir(s, cf, prefix, plen, start, slen, true, fn, arg);
}

ldg_batch *ldg_batch_new(ldg_store *s)
{
    ldg_batch *b = calloc(1, sizeof *b);
    LDG_ASSERT(b);
    b->s = s;
    return b;
}

void ldg_batch_free(ldg_batch *b)
{
    if (!b)
        return;
    free(b->ops);
    free(b->arena);
    free(b);
}

static uint64_t key_head(const uint8_t *k, size_t klen)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8; i++)
        h = h << 8 | (i < klen ? k[i] : 0);
    return h;
}

/* Appends one operation: key (a) and value or range end (v) copied into the arena. */
static void batch_add(ldg_batch *b, ldg_cf cf, uint8_t kind, const void *a, size_t alen,
                      const void *v, size_t vlen)
{
    LDG_ASSERT(cf < LDG_CF_COUNT && alen <= UINT32_MAX && vlen <= UINT32_MAX &&
               b->nops < UINT32_MAX);
    if (b->nops == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->ops = realloc(b->ops, b->cap * sizeof *b->ops);
        LDG_ASSERT(b->ops);
    }
    size_t need = alen + vlen;
    if (b->room - b->used < need) {
        size_t room = b->room ? 2 * b->room : 4096;
        while (room - b->used < need)
            room *= 2;
        b->arena = realloc(b->arena, room);
        LDG_ASSERT(b->arena);
        b->room = room;
    }
    if (alen)
        memcpy(b->arena + b->used, a, alen);
    if (vlen)
        memcpy(b->arena + b->used + alen, v, vlen);
    b->ops[b->nops] = (batch_op){.head = key_head(a, alen),
                                 .off = b->used,
                                 .klen = (uint32_t)alen,
                                 .vlen = (uint32_t)vlen,
                                 .cf = (uint8_t)cf,
                                 .kind = kind};
    b->nops++;
    b->used += need;
}

void ldg_batch_put(ldg_batch *b, ldg_cf cf, const void *key, size_t klen, const void *val,
                   size_t vlen)
{
    batch_add(b, cf, OP_PUT, key, klen, val, vlen);
}

void ldg_batch_delete(ldg_batch *b, ldg_cf cf, const void *key, size_t klen)
{
    batch_add(b, cf, OP_DELETE, key, klen, NULL, 0);
}

void ldg_batch_delete_range(ldg_batch *b, ldg_cf cf, const void *begin, size_t blen,
                            const void *end, size_t elen)
{
    batch_add(b, cf, OP_DELETE_RANGE, begin, blen, end, elen);
}

/* What the sort moves: 24 bytes, the key's first 16 in two words (most compares end
 * there), the operation's index (its arrival: the tie-break, hence stable). */
typedef struct sort_ent {
    uint64_t h1, h2;
    uint32_t op;
    uint32_t cf;
} sort_ent;

static int ent_cmp(const sort_ent *x, const sort_ent *y, const ldg_batch *b)
{
    if (x->cf != y->cf)
        return x->cf < y->cf ? -1 : 1;
    if (x->h1 != y->h1)
        return x->h1 < y->h1 ? -1 : 1;
    if (x->h2 != y->h2)
        return x->h2 < y->h2 ? -1 : 1;
    const batch_op *a = &b->ops[x->op], *c = &b->ops[y->op];
    size_t n = a->klen < c->klen ? a->klen : c->klen;
    int r = n > 16 ? memcmp(b->arena + a->off + 16, b->arena + c->off + 16, n - 16) : 0;
    if (r == 0 && a->klen != c->klen)
        r = a->klen < c->klen ? -1 : 1;
    if (r == 0)
        r = x->op < y->op ? -1 : 1;
    return r;
}

/* A merge sort that costs one compare per element on runs already in order (a block's
 * tree nodes and its record arrive sorted). */
static void ent_sort(sort_ent *a, sort_ent *tmp, size_t n, const ldg_batch *b)
{
    if (n <= 12) {
        for (size_t i = 1; i < n; i++) {
            sort_ent x = a[i];
            size_t j = i;
            for (; j > 0 && ent_cmp(&a[j - 1], &x, b) > 0; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    size_t m = n / 2;
    ent_sort(a, tmp, m, b);
    ent_sort(a + m, tmp, n - m, b);
    if (ent_cmp(&a[m - 1], &a[m], b) <= 0)
        return;
    memcpy(tmp, a, m * sizeof *a);
    size_t i = 0, j = m, k = 0;
    while (i < m && j < n)
        a[k++] = ent_cmp(&a[j], &tmp[i], b) < 0 ? a[j++] : tmp[i++];
    while (i < m)
        a[k++] = tmp[i++];
}

static uint64_t key_word(const uint8_t *k, size_t klen, size_t at)
{
    return at < klen ? key_head(k + at, klen - at) : 0;
}

/* The order in which to hand the operations to RocksDB: each run between range deletes
 * sorted (struct ldg_batch); *order is malloc'd, n entries. */
static uint32_t *batch_order(const ldg_batch *b)
{
    sort_ent *e = malloc((b->nops ? b->nops : 1) * sizeof *e);
    sort_ent *tmp = malloc((b->nops / 2 + 1) * sizeof *tmp);
    uint32_t *order = malloc((b->nops ? b->nops : 1) * sizeof *order);
    LDG_ASSERT(e && tmp && order);
    for (size_t i = 0; i < b->nops; i++) {
        const batch_op *o = &b->ops[i];
        const uint8_t *k = b->arena + o->off;
        e[i] = (sort_ent){o->head, key_word(k, o->klen, 8), (uint32_t)i, o->cf};
    }
    size_t start = 0;
    for (size_t i = 0; i <= b->nops; i++) {
        if (i < b->nops && b->ops[i].kind != OP_DELETE_RANGE)
            continue;
        ent_sort(e + start, tmp, i - start, b);
        start = i + 1;
    }
    for (size_t i = 0; i < b->nops; i++)
        order[i] = e[i].op;
    free(e);
    free(tmp);
    return order;
}

static rocksdb_writebatch_t *batch_build(ldg_batch *b)
{
    uint32_t *order = batch_order(b);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    for (size_t i = 0; i < b->nops; i++) {
        const batch_op *o = &b->ops[order[i]];
        const char *k = (const char *)b->arena + o->off, *v = k + o->klen;
        rocksdb_column_family_handle_t *cf = b->s->cf[o->cf];
        if (o->kind == OP_PUT)
            rocksdb_writebatch_put_cf(wb, cf, k, o->klen, v, o->vlen);
        else if (o->kind == OP_DELETE)
            rocksdb_writebatch_delete_cf(wb, cf, k, o->klen);
        else
            rocksdb_writebatch_delete_range_cf(wb, cf, k, o->klen, v, o->vlen);
    }
    free(order);
    return wb;
}

ldg_err ldg_store_write(ldg_store *s, ldg_batch *b, bool sync)
{
    perf_off();
    LDG_ASSERT(b->s == s);
    if (s->failed)
        return LDG_ERR_STOPPED;
    char *err = NULL;
    rocksdb_writebatch_t *wb = batch_build(b);
    rocksdb_write(s->db, sync ? s->wopts_sync : s->wopts_nosync, wb, &err);
    rocksdb_writebatch_destroy(wb);
    if (err) {
        log_rocks_error("write (store stopped)", err);
        s->failed = true;
        return LDG_ERR_IO;
    }
    return LDG_OK;
}

ldg_err ldg_store_persist(ldg_store *s)
{
    if (s->failed)
        return LDG_ERR_STOPPED;
    char *err = NULL;
    rocksdb_flush_wal(s->db, 1, &err);
    if (err) {
        log_rocks_error("WAL sync (store stopped)", err);
        s->failed = true;
        return LDG_ERR_IO;
    }
    return LDG_OK;
}

uint64_t ldg_store_memory_bytes(ldg_store *s)
{
    uint64_t total = 0;
    char *v = rocksdb_property_value(s->db, "rocksdb.cur-size-all-mem-tables");
    if (v) {
        total += strtoull(v, NULL, 10);
        rocksdb_free(v);
    }
    total += rocksdb_cache_get_usage(s->cache);
    return total;
}

void ldg_store_sizes(ldg_store *s, ldg_cf cf, uint64_t *sst, uint64_t *mem)
{
    *sst = *mem = 0;
    if (rocksdb_property_int_cf(s->db, s->cf[cf], "rocksdb.total-sst-files-size", sst) != 0)
        *sst = 0;
    if (rocksdb_property_int_cf(s->db, s->cf[cf], "rocksdb.cur-size-all-mem-tables", mem) != 0)
        *mem = 0;
}
