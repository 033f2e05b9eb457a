/* The evidence store's record and link indexes (net_evindex.h, specs/evidence.md §2.2). */
#include "net_evindex.h"

#include "net_home.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Appends len bytes (whole entries of `size`) to path, first cutting a torn last entry (a
 * crash mid-append); *end is the file's length after the write. */
static ldg_err append(const char *path, const uint8_t *b, size_t len, size_t size, off_t *end,
                      char *err, size_t err_len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    struct stat st;
    bool ok = fd >= 0 && fstat(fd, &st) == 0;
    if (ok && st.st_size % (off_t)size)
        ok = ftruncate(fd, st.st_size - st.st_size % (off_t)size) == 0;
    for (size_t at = 0; ok && at < len;) {
        ssize_t w = write(fd, b + at, len - at);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        at += ok ? (size_t)w : 0;
    }
    if (ok && end)
        ok = (*end = lseek(fd, 0, SEEK_CUR)) >= 0;
    if (!ok)
        snprintf(err, err_len, "cannot append to %s: %s", path, strerror(errno));
    if (fd >= 0 && close(fd) != 0 && ok) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        ok = false;
    }
    return ok ? LDG_OK : LDG_ERR_IO;
}

/* Appends 16-byte entries to STORE/<sub>/<first byte>: sorted by bucket first, so that each
 * bucket takes one write. */
static ldg_err buckets_add(const char *store, const char *sub, const uint8_t *e, size_t n,
                           char *err, size_t err_len)
{
    size_t count[257] = {0}, at[256];
    for (size_t i = 0; i < n; i++)
        count[e[i * NET_EVINDEX_ENTRY] + 1]++;
    for (int b = 0; b < 256; b++)
        count[b + 1] += count[b];
    uint8_t *s = malloc(n * NET_EVINDEX_ENTRY + 1);
    LDG_ASSERT(s);
    memcpy(at, count, sizeof at);
    for (size_t i = 0; i < n; i++)
        memcpy(s + at[e[i * NET_EVINDEX_ENTRY]]++ * NET_EVINDEX_ENTRY, e + i * NET_EVINDEX_ENTRY,
               NET_EVINDEX_ENTRY);
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", store, sub);
    ldg_err rc = LDG_OK;
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
        rc = LDG_ERR_IO;
    }
    for (int b = 0; b < 256 && rc == LDG_OK; b++) {
        size_t k = count[b + 1] - count[b];
        snprintf(path, sizeof path, "%s/%s/%02x", store, sub, b);
        if (k)
            rc = append(path, s + count[b] * NET_EVINDEX_ENTRY, k * NET_EVINDEX_ENTRY,
                        NET_EVINDEX_ENTRY, NULL, err, err_len);
    }
    free(s);
    return rc;
}

static ldg_err number(const char *store, const ldg_hash *root, uint32_t *no, char *err,
                      size_t err_len)
{
    char path[NET_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", store, NET_EVINDEX_SLICES);
    off_t end = 0;
    ldg_err e = append(path, root->b, LDG_HASH_LEN, LDG_HASH_LEN, &end, err, err_len);
    if (e == LDG_OK && (end < LDG_HASH_LEN || end / LDG_HASH_LEN - 1 > UINT32_MAX)) {
        snprintf(err, err_len, "%s: the store has numbered more slices than an index entry holds",
                 path);
        e = LDG_ERR_IO;
    }
    *no = e == LDG_OK ? (uint32_t)(end / LDG_HASH_LEN - 1) : 0;
    return e;
}

static uint8_t *grow(uint8_t **d, size_t *cap, size_t have, size_t more)
{
    if (have + more > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < have + more)
            c *= 2;
        *d = realloc(*d, c * NET_EVINDEX_ENTRY);
        LDG_ASSERT(*d);
        *cap = c;
    }
    return *d + have * NET_EVINDEX_ENTRY;
}

ldg_err net_evindex_stage(const char *store, net_evindex_batch *b, const ldg_hash *root,
                          const ldg_hash *ids, size_t n, const uint8_t *links, size_t n_links,
                          char *err, size_t err_len)
{
    uint32_t no;
    ldg_err rc = number(store, root, &no, err, err_len);
    if (rc != LDG_OK)
        return rc;
    uint8_t *e = grow(&b->ids, &b->cap_ids, b->n_ids, n);
    for (size_t i = 0; i < n; i++, e += NET_EVINDEX_ENTRY) {
        memcpy(e, ids[i].b, NET_EVINDEX_PREFIX);
        put_be32(e + 8, no);
        put_be32(e + 12, (uint32_t)i);
    }
    b->n_ids += n;
    e = grow(&b->links, &b->cap_links, b->n_links, n_links);
    for (size_t i = 0; i < n_links; i++, e += NET_EVINDEX_ENTRY) {
        memcpy(e, links + i * NET_EVINDEX_LINK_HINT, NET_EVINDEX_PREFIX);
        put_be32(e + 8, no);
        memcpy(e + 12, links + i * NET_EVINDEX_LINK_HINT + NET_EVINDEX_PREFIX, 4);
    }
    b->n_links += n_links;
    return b->n_ids + b->n_links >= NET_EVINDEX_BATCH_ENTRIES
               ? net_evindex_flush(store, b, err, err_len)
               : LDG_OK;
}

ldg_err net_evindex_flush(const char *store, net_evindex_batch *b, char *err, size_t err_len)
{
    ldg_err rc =
        b->n_ids ? buckets_add(store, NET_EVINDEX_IDS, b->ids, b->n_ids, err, err_len) : LDG_OK;
    if (rc == LDG_OK && b->n_links)
        rc = buckets_add(store, NET_EVINDEX_LINKS, b->links, b->n_links, err, err_len);
    b->n_ids = b->n_links = 0;
    return rc;
}

void net_evindex_batch_free(net_evindex_batch *b)
{
    free(b->ids);
    free(b->links);
    *b = (net_evindex_batch){0};
}

ldg_err net_evindex_add(const char *store, const ldg_hash *root, const ldg_hash *ids, size_t n,
                        const uint8_t *links, size_t n_links, char *err, size_t err_len)
{
    net_evindex_batch b = {0};
    ldg_err rc = net_evindex_stage(store, &b, root, ids, n, links, n_links, err, err_len);
    if (rc == LDG_OK)
        rc = net_evindex_flush(store, &b, err, err_len);
    net_evindex_batch_free(&b);
    return rc;
}

static bool root_at(int fd, uint32_t no, ldg_hash *root)
{
    return fd >= 0 && pread(fd, root->b, LDG_HASH_LEN, (off_t)no * LDG_HASH_LEN) == LDG_HASH_LEN;
}

static int open_numbers(const char *store)
{
    char path[NET_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", store, NET_EVINDEX_SLICES);
    return open(path, O_RDONLY | O_CLOEXEC);
}

bool net_evindex_root(const char *store, uint32_t no, ldg_hash *root)
{
    int fd = open_numbers(store);
    bool ok = root_at(fd, no, root);
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Version 2 entries of bucket STORE/<sub>/<id's first byte> whose prefix is id's, each
 * resolved to its slice's root and given to fn until it returns true. */
static bool find_v2(const char *store, const char *sub, const ldg_hash *id, net_evindex_fn fn,
                    void *arg)
{
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s/%02x", store, sub, id->b[0]);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    int nums = -1;
    uint8_t buf[NET_EVINDEX_ENTRY * 1024];
    size_t got;
    bool found = false;
    while (!found && (got = fread(buf, 1, sizeof buf, f)) >= NET_EVINDEX_ENTRY) {
        for (size_t at = 0; !found && at + NET_EVINDEX_ENTRY <= got; at += NET_EVINDEX_ENTRY) {
            if (memcmp(buf + at, id->b, NET_EVINDEX_PREFIX) != 0)
                continue;
            ldg_hash root;
            if (nums < 0)
                nums = open_numbers(store);
            if (root_at(nums, get_be32(buf + at + 8), &root))
                found = fn(arg, &root, get_be32(buf + at + 12));
        }
        if (got % NET_EVINDEX_ENTRY) /* a torn last entry */
            break;
    }
    fclose(f);
    if (nums >= 0)
        close(nums);
    return found;
}

bool net_evindex_find(const char *store, const ldg_hash *id, net_evindex_fn fn, void *arg)
{
    if (find_v2(store, NET_EVINDEX_IDS, id, fn, arg))
        return true;
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/ids/%02x", store, id->b[0]);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    uint8_t buf[NET_EVINDEX_V1_ENTRY * 256];
    size_t got;
    bool found = false;
    while (!found && (got = fread(buf, 1, sizeof buf, f)) >= NET_EVINDEX_V1_ENTRY) {
        for (size_t at = 0; !found && at + NET_EVINDEX_V1_ENTRY <= got;
             at += NET_EVINDEX_V1_ENTRY) {
            if (memcmp(buf + at, id->b, LDG_HASH_LEN) != 0)
                continue;
            ldg_hash root;
            memcpy(root.b, buf + at + 32, LDG_HASH_LEN);
            found = fn(arg, &root, get_be32(buf + at + 64));
        }
        if (got % NET_EVINDEX_V1_ENTRY)
            break;
    }
    fclose(f);
    return found;
}

bool net_evindex_links(const char *store, const ldg_hash *id, net_evindex_fn fn, void *arg,
                       ldg_hash *v1, size_t max, size_t *n_v1)
{
    *n_v1 = 0;
    if (find_v2(store, NET_EVINDEX_LINKS, id, fn, arg))
        return true;
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/links/%02x", store, id->b[0]);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    uint8_t e[NET_EVINDEX_V1_LINK];
    while (*n_v1 < max && fread(e, 1, sizeof e, f) == sizeof e)
        if (!memcmp(e, id->b, LDG_HASH_LEN))
            memcpy(v1[(*n_v1)++].b, e + 32, LDG_HASH_LEN);
    fclose(f);
    return false;
}
