/* ethereum/tests state-test runner over the in-memory world. */
#include "ldg_statetest.h"

#include "ldg_evm_state.h"
#include "ldg_keccak.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- JSON field helpers: hex strings as Ethereum tests write them ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "0x..." -> malloc'd bytes (NULL with *len 0 for "0x"). False on bad hex or memory. */
static bool hex_bytes(const char *s, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!s)
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    if (n % 2)
        return false;
    if (n == 0)
        return true;
    uint8_t *b = malloc(n / 2);
    if (!b)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return false;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    *len = n / 2;
    return true;
}

static bool hex_fixed(const char *s, uint8_t *out, size_t want)
{
    uint8_t *b;
    size_t n;
    if (!hex_bytes(s, &b, &n))
        return false;
    bool ok = n == want;
    if (ok)
        memcpy(out, b, want);
    free(b);
    return ok;
}

static bool json_u256(json_t *v, ldg_u256 *out)
{
    return json_is_string(v) && ldg_u256_from_hex(out, json_string_value(v));
}

/* The transaction value. ethereum/tests writes values past 256 bits as
 * "0x:bigint 0x…"; such a value cannot be encoded in a transaction (RLP_INVALID_VALUE), so
 * it is not a malformed vector but an invalid transaction: *overflow is set. */
static bool json_tx_value(json_t *v, ldg_u256 *out, bool *overflow)
{
    static const char bigint[] = "0x:bigint ";
    *overflow = false;
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    if (strncmp(s, bigint, sizeof bigint - 1) != 0)
        return ldg_u256_from_hex(out, s);
    s += sizeof bigint - 1;
    if (ldg_u256_from_hex(out, s))
        return true;
    if (s[0] != '0' || s[1] != 'x' || !s[2])
        return false;
    for (const char *p = s + 2; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return false;
    *overflow = true; /* well-formed hex, more than 64 significant digits */
    *out = ldg_u256_zero();
    return true;
}

static bool json_u64(json_t *v, uint64_t *out)
{
    ldg_u256 x;
    if (!json_u256(v, &x) || !ldg_u256_fits_u64(x))
        return false;
    *out = x.w[0];
    return true;
}

static bool json_i64(json_t *v, int64_t *out)
{
    uint64_t x;
    if (!json_u64(v, &x) || x > (uint64_t)INT64_MAX)
        return false;
    *out = (int64_t)x;
    return true;
}

static bool json_addr(json_t *v, ldg_evm_address *out)
{
    return json_is_string(v) && hex_fixed(json_string_value(v), out->bytes, 20);
}

/* ---- building the pre-state and the block ---- */

static bool load_account(ldg_evm_world *w, const char *key, json_t *acc)
{
    ldg_evm_address addr;
    uint64_t nonce;
    ldg_u256 balance;
    uint8_t *code;
    size_t code_len;
    if (!hex_fixed(key, addr.bytes, 20) || !json_u64(json_object_get(acc, "nonce"), &nonce) ||
        !json_u256(json_object_get(acc, "balance"), &balance) ||
        !hex_bytes(json_string_value(json_object_get(acc, "code")), &code, &code_len))
        return false;
    bool ok = ldg_evm_world_set_account(w, &addr, nonce, balance, code, code_len);
    free(code);
    const char *sk;
    json_t *sv;
    json_object_foreach(json_object_get(acc, "storage"), sk, sv)
    {
        ldg_u256 k, v;
        if (!ok || !ldg_u256_from_hex(&k, sk) || !json_u256(sv, &v))
            return false;
        ok = ldg_evm_world_set_storage(w, &addr, k, v);
    }
    return ok;
}

static bool load_pre(ldg_evm_world *w, json_t *pre)
{
    const char *key;
    json_t *acc;
    json_object_foreach(pre, key, acc)
    {
        if (!load_account(w, key, acc))
            return false;
    }
    return true;
}

static bool load_block(json_t *env, ldg_evm_block *b)
{
    memset(b, 0, sizeof *b);
    b->chain_id = ldg_u256_from_u64(1);
    if (!json_addr(json_object_get(env, "currentCoinbase"), &b->coinbase) ||
        !json_i64(json_object_get(env, "currentNumber"), &b->number) ||
        !json_i64(json_object_get(env, "currentTimestamp"), &b->timestamp) ||
        !json_i64(json_object_get(env, "currentGasLimit"), &b->gas_limit))
        return false;
    json_t *v;
    if ((v = json_object_get(env, "currentRandom")) && !json_u256(v, &b->prev_randao))
        return false;
    if ((v = json_object_get(env, "currentBaseFee")) && !json_u256(v, &b->base_fee))
        return false;
    if ((v = json_object_get(env, "currentExcessBlobGas")) && !json_u64(v, &b->excess_blob_gas))
        return false;
    return true;
}

/* State tests' BLOCKHASH: keccak256 of the decimal block number (as geth's runner). */
static ldg_evm_bytes32 test_block_hash(void *user, int64_t number)
{
    (void)user;
    char dec[32];
    int n = snprintf(dec, sizeof dec, "%lld", (long long)number);
    ldg_evm_bytes32 h;
    ldg_keccak256(h.bytes, (const uint8_t *)dec, (size_t)n);
    return h;
}

/* ---- the transaction of one post entry ---- */

typedef struct tx_buffers {
    uint8_t *data;
    ldg_evm_access_entry *access;
    ldg_u256 *keys;
    ldg_evm_bytes32 *blobs;
} tx_buffers;

static void tx_buffers_free(tx_buffers *t)
{
    free(t->data);
    free(t->access);
    free(t->keys);
    free(t->blobs);
    memset(t, 0, sizeof *t);
}

static bool load_access_list(json_t *list, ldg_evm_tx *tx, tx_buffers *buf)
{
    if (!json_is_array(list))
        return true; /* null: no access list */
    size_t n = json_array_size(list), total_keys = 0, i, k;
    json_t *e;
    json_array_foreach(list, i, e) total_keys += json_array_size(json_object_get(e, "storageKeys"));
    buf->access = calloc(n + 1, sizeof *buf->access);
    buf->keys = calloc(total_keys + 1, sizeof *buf->keys);
    if (!buf->access || !buf->keys)
        return false;
    size_t used = 0;
    json_array_foreach(list, i, e)
    {
        ldg_evm_access_entry *a = &buf->access[i];
        if (!json_addr(json_object_get(e, "address"), &a->address))
            return false;
        a->keys = buf->keys + used;
        json_t *kv;
        json_array_foreach(json_object_get(e, "storageKeys"), k, kv)
        {
            if (!json_u256(kv, &buf->keys[used++]))
                return false;
            a->key_count++;
        }
    }
    tx->access_list = buf->access;
    tx->access_list_count = n;
    return true;
}

static bool load_blobs(json_t *t, ldg_evm_tx *tx, tx_buffers *buf)
{
    json_t *hashes = json_object_get(t, "blobVersionedHashes");
    json_t *max_fee = json_object_get(t, "maxFeePerBlobGas");
    if (!hashes && !max_fee)
        return true;
    tx->is_blob = true;
    if (max_fee && !json_u256(max_fee, &tx->max_fee_per_blob_gas))
        return false;
    size_t n = json_array_size(hashes), i;
    json_t *h;
    buf->blobs = calloc(n + 1, sizeof *buf->blobs);
    if (!buf->blobs)
        return false;
    json_array_foreach(hashes, i, h)
    {
        if (!json_is_string(h) || !hex_fixed(json_string_value(h), buf->blobs[i].bytes, 32))
            return false;
    }
    tx->blob_hashes = buf->blobs;
    tx->blob_hashes_count = n;
    return true;
}

static bool load_tx(json_t *t, json_t *indexes, ldg_evm_tx *tx, tx_buffers *buf,
                    bool *value_overflow)
{
    memset(tx, 0, sizeof *tx);
    size_t di = (size_t)json_integer_value(json_object_get(indexes, "data"));
    size_t gi = (size_t)json_integer_value(json_object_get(indexes, "gas"));
    size_t vi = (size_t)json_integer_value(json_object_get(indexes, "value"));
    json_t *data = json_array_get(json_object_get(t, "data"), di);
    json_t *gas = json_array_get(json_object_get(t, "gasLimit"), gi);
    json_t *value = json_array_get(json_object_get(t, "value"), vi);
    if (!json_addr(json_object_get(t, "sender"), &tx->sender) ||
        !json_u64(json_object_get(t, "nonce"), &tx->nonce) || !json_i64(gas, &tx->gas_limit) ||
        !json_tx_value(value, &tx->value, value_overflow) ||
        !hex_bytes(json_string_value(data), &buf->data, &tx->data_size))
        return false;
    tx->data = buf->data;
    const char *to = json_string_value(json_object_get(t, "to"));
    tx->is_create = !to || !*to;
    if (!tx->is_create && !hex_fixed(to, tx->to.bytes, 20))
        return false;
    json_t *gp = json_object_get(t, "gasPrice");
    if (gp) {
        if (!json_u256(gp, &tx->gas_price))
            return false;
    } else {
        tx->is_eip1559 = true;
        if (!json_u256(json_object_get(t, "maxFeePerGas"), &tx->max_fee) ||
            !json_u256(json_object_get(t, "maxPriorityFeePerGas"), &tx->max_priority_fee))
            return false;
    }
    json_t *lists = json_object_get(t, "accessLists");
    if (lists && !load_access_list(json_array_get(lists, di), tx, buf))
        return false;
    return load_blobs(t, tx, buf);
}

/* ---- one vector ---- */

static void hex32(char *out, const uint8_t *b)
{
    static const char d[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 32; i++) {
        out[2 + 2 * i] = d[b[i] >> 4];
        out[3 + 2 * i] = d[b[i] & 15];
    }
    out[66] = '\0';
}

/* Runs one post entry; detail receives the reason on failure. */
static bool run_post(json_t *test, json_t *post, ldg_statetest_case *c, char *detail,
                     size_t detail_len)
{
    ldg_evm_world *w = ldg_evm_world_new();
    ldg_evm_block block;
    ldg_evm_tx tx;
    tx_buffers buf = {0};
    ldg_evm_tx_outcome out = {0};
    bool ok = false;
    uint8_t want_root[32], want_logs[32], root[32], logs[32];
    bool value_overflow = false;
    if (!w || !load_pre(w, json_object_get(test, "pre")) ||
        !load_block(json_object_get(test, "env"), &block) ||
        !load_tx(json_object_get(test, "transaction"), json_object_get(post, "indexes"), &tx, &buf,
                 &value_overflow) ||
        !hex_fixed(json_string_value(json_object_get(post, "hash")), want_root, 32) ||
        !hex_fixed(json_string_value(json_object_get(post, "logs")), want_logs, 32)) {
        snprintf(detail, detail_len, "malformed test vector");
        goto done;
    }
    ldg_evm_world_set_block_hash_fn(w, test_block_hash, NULL);
    if (value_overflow) {
        out.valid = false;
        out.invalid_reason = "value above 2^256 - 1";
    } else if (!ldg_evm_world_apply_tx(w, &block, &tx, &out)) {
        snprintf(detail, detail_len, "out of memory");
        goto done;
    }
    if (!ldg_evm_world_state_root(w, root) || !ldg_evm_world_logs_hash(w, logs)) {
        snprintf(detail, detail_len, "out of memory");
        goto done;
    }
    c->gas_used = out.gas_used;
    bool expect_invalid = json_object_get(post, "expectException") != NULL;
    char a[67], b[67];
    if (expect_invalid != !out.valid) {
        snprintf(detail, detail_len, "transaction %s: %s",
                 out.valid ? "accepted but expected invalid" : "rejected",
                 out.valid ? json_string_value(json_object_get(post, "expectException"))
                           : out.invalid_reason);
    } else if (memcmp(root, want_root, 32)) {
        hex32(a, root);
        hex32(b, want_root);
        snprintf(detail, detail_len, "state root %s, expected %s (status %s, gas used %lld)", a, b,
                 ldg_evm_status_name(out.status), (long long)out.gas_used);
    } else if (memcmp(logs, want_logs, 32)) {
        hex32(a, logs);
        hex32(b, want_logs);
        snprintf(detail, detail_len, "logs hash %s, expected %s", a, b);
    } else {
        ok = true;
    }
done:
    free(out.output_data);
    tx_buffers_free(&buf);
    ldg_evm_world_free(w);
    return ok;
}

static int run_file(const char *path, ldg_statetest_report_fn report, void *user,
                    ldg_statetest_totals *totals, char *err, size_t err_len)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root || !json_is_object(root)) {
        snprintf(err, err_len, "cannot read %s as JSON: %s (line %d)", path, jerr.text, jerr.line);
        json_decref(root);
        return -1;
    }
    const char *name;
    json_t *test;
    int rc = 0;
    json_object_foreach(root, name, test)
    {
        json_t *posts = json_object_get(json_object_get(test, "post"), LDG_STATETEST_FORK);
        if (!json_object_get(test, "pre") || !json_object_get(test, "transaction")) {
            snprintf(err, err_len, "%s: test %s is not a state test", path, name);
            rc = -1;
            break;
        }
        size_t i;
        json_t *post;
        json_array_foreach(posts, i, post)
        {
            char detail[512] = "";
            json_t *ix = json_object_get(post, "indexes");
            ldg_statetest_case c = {
                .file = path,
                .name = name,
                .post_index = i,
                .data_index = (size_t)json_integer_value(json_object_get(ix, "data")),
                .gas_index = (size_t)json_integer_value(json_object_get(ix, "gas")),
                .value_index = (size_t)json_integer_value(json_object_get(ix, "value")),
            };
            c.passed = run_post(test, post, &c, detail, sizeof detail);
            c.detail = detail;
            if (c.passed)
                totals->passed++;
            else
                totals->failed++;
            if (report)
                report(user, &c);
        }
    }
    json_decref(root);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_json_suffix(const char *s)
{
    size_t n = strlen(s);
    return n > 5 && !strcmp(s + n - 5, ".json");
}

static int run_dir(const char *path, ldg_statetest_report_fn report, void *user,
                   ldg_statetest_totals *totals, char *err, size_t err_len, int depth)
{
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) {
            rc = -1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (rc)
        snprintf(err, err_len, "out of memory listing %s", path);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct stat st;
        if (stat(names[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 16)
            rc = run_dir(names[i], report, user, totals, err, err_len, depth + 1);
        else if (S_ISREG(st.st_mode) && has_json_suffix(names[i]))
            rc = run_file(names[i], report, user, totals, err, err_len);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int ldg_statetest_run_path(const char *path, ldg_statetest_report_fn report, void *user,
                           ldg_statetest_totals *totals, char *err, size_t err_len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return run_dir(path, report, user, totals, err, err_len, 0);
    return run_file(path, report, user, totals, err, err_len);
}
