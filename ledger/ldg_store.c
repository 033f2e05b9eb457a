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

struct ldg_batch {
    ldg_store *s;
    rocksdb_writebatch_t *wb;
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

ldg_err ldg_store_get(ldg_store *s, ldg_cf cf, const void *key, size_t klen, uint8_t **val,
                      size_t *vlen)
{
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
    b->wb = rocksdb_writebatch_create();
    return b;
}

void ldg_batch_free(ldg_batch *b)
{
    if (!b)
        return;
    rocksdb_writebatch_destroy(b->wb);
    free(b);
}

void ldg_batch_put(ldg_batch *b, ldg_cf cf, const void *key, size_t klen, const void *val,
                   size_t vlen)
{
    LDG_ASSERT(cf < LDG_CF_COUNT);
    rocksdb_writebatch_put_cf(b->wb, b->s->cf[cf], key, klen, val, vlen);
}

void ldg_batch_delete(ldg_batch *b, ldg_cf cf, const void *key, size_t klen)
{
    LDG_ASSERT(cf < LDG_CF_COUNT);
    rocksdb_writebatch_delete_cf(b->wb, b->s->cf[cf], key, klen);
}

void ldg_batch_delete_range(ldg_batch *b, ldg_cf cf, const void *begin, size_t blen,
                            const void *end, size_t elen)
{
    LDG_ASSERT(cf < LDG_CF_COUNT);
    rocksdb_writebatch_delete_range_cf(b->wb, b->s->cf[cf], begin, blen, end, elen);
}

ldg_err ldg_store_write(ldg_store *s, ldg_batch *b, bool sync)
{
    LDG_ASSERT(b->s == s);
    if (s->failed)
        return LDG_ERR_STOPPED;
    char *err = NULL;
    rocksdb_write(s->db, sync ? s->wopts_sync : s->wopts_nosync, b->wb, &err);
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
