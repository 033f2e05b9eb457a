/* libFuzzer target for the RPC server's dispatch entry (net_rpc_dispatch over the method
 * table, net/net_rpc_methods.c and net/net_query.c), run against a real node state: a
 * chain in a temporary directory with a genesis of three participants, a small pool
 * and the full registry. No threads, no socket: the input is one byte choosing the caller
 * (bit 0: operator, else public) then the request bytes, as a transport hands them over.
 *
 * Properties checked on every input:
 * - every request gets a reply, and the reply is one valid JSON document;
 * - a request over its method's size limit is refused TOO_LARGE, an operator method
 *   called by a public caller DENIED, and neither changes the node;
 * - a request that is not canonical msgpack (and not refused for the above) is refused
 *   with status LDG_ERR_DECODE, or LDG_ERR_TEXT if its strings are not all UTF-8;
 * - nothing leaks (ASan), whatever the method and arguments.
 * The node is reset between inputs (pool emptied, stop flag and dev clock cleared). */
#include <ftw.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_node.h"
#include "net_rpc_methods.h"

static char dir[] = "/tmp/folio-fuzz-rpc-XXXXXX";
static net_node *node;
static ldg_keypair operator_key;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void cleanup(void)
{
    ldg_chain_close(node->chain);
    net_pool_free(node->pool);
    net_admit_free(node->admit);
    ldg_registry_free(node->reg);
    json_decref(node->preview); /* the cycle_preview cache */
    free(node);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static net_node *get_node(void)
{
    if (node)
        return node;
    LDG_ASSERT(mkdtemp(dir) != NULL);
    uint8_t secret[LDG_SECKEY_LEN];
    memset(secret, 0x42, sizeof secret);
    LDG_ASSERT(ldg_keypair_from_secret(&operator_key, secret) == LDG_OK);
    static ldg_genesis g;
    snprintf(g.chain_id, sizeof g.chain_id, "folio-fuzz");
    g.time_ms = 1700000000000ULL;
    g.validator_count = 1;
    g.validators[0] = operator_key.pub;
    const char *names[] = {"operator", "alice", "bob"};
    for (uint32_t i = 0; i < 3; i++) {
        snprintf(g.participants[i].name, sizeof g.participants[i].name, "%s", names[i]);
        g.participants[i].roles = i ? LDG_ROLE_INVESTOR : LDG_ROLE_ALL;
        if (i == 0)
            g.participants[i].key = operator_key.pub;
        else
            memset(g.participants[i].key.b, 0x50 + (int)i, LDG_PUBKEY_LEN);
    }
    g.participant_count = 3;
    node = calloc(1, sizeof *node);
    LDG_ASSERT(node);
    snprintf(node->home, sizeof node->home, "%s", dir);
    node->reg = net_registry_new();
    char db[4200];
    snprintf(db, sizeof db, "%s/data", dir);
    LDG_ASSERT(ldg_chain_open(&node->chain, db, node->reg, &g, false) == LDG_OK);
    node->pool = net_pool_new(64);
    node->validator = operator_key;
    node->validator_index = 0;
    node->dev = true;
    node->admit = net_admit_new(node->chain, node->reg, &node->clock, &node->time_offset_ms);
    net_admit_set_pool(node->admit, net_pool_probe, node->pool);
    atexit(cleanup);
    return node;
}

static void reset(net_node *n)
{
    net_pool_clear(n->pool);
    atomic_store(&n->stopping, false);
    atomic_store(&n->time_offset_ms, 0);
    atomic_store(&n->force_block, false);
    json_decref(n->preview); /* each input starts without a cached cycle_preview */
    n->preview = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    net_node *n = get_node();
    if (size < 1)
        return 0;
    net_rpc_access who = data[0] & 1 ? NET_RPC_OPERATOR : NET_RPC_PUBLIC;
    data++, size--;
    int status = -1;
    char *reply = net_rpc_dispatch(n, who, data, size, &status);
    LDG_ASSERT(reply != NULL);
    json_error_t jerr;
    json_t *j = json_loads(reply, 0, &jerr);
    LDG_ASSERT(j != NULL);
    json_decref(j);
    char name[32];
    const net_rpc_method *m =
        net_rpc_peek_method(data, size, name) == 1 ? net_rpc_method_find(name) : NULL;
    size_t max = m ? m->request_max : LDG_RPC_REQUEST_SMALL_MAX;
    bool denied = m && who < m->access;
    if (denied) {
        LDG_ASSERT(status == LDG_ERR_DENIED);
    } else if (size > max) {
        LDG_ASSERT(status == LDG_ERR_TOO_LARGE);
    } else {
        ldg_dec d;
        ldg_err derr = ldg_decode(&d, data, size);
        if (derr != LDG_OK) /* DECODE, or TEXT for a string that is not UTF-8 */
            LDG_ASSERT(status == (derr == LDG_ERR_TEXT ? LDG_ERR_TEXT : LDG_ERR_DECODE));
        else
            ldg_dec_free(&d);
    }
    if (denied || size > max) /* refused before the handler: nothing changed */
        LDG_ASSERT(!atomic_load(&n->stopping) && atomic_load(&n->time_offset_ms) == 0);
    free(reply);
    reset(n);
    return 0;
}

/* Seeds: [name] for every row of the table, then one request per method with
 * well-formed arguments; each from an operator caller (first byte 1). */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    net_node *n = get_node();
    if (cap < 1)
        return 0;
    if (index < net_rpc_method_count) {
        ldg_enc r;
        ldg_enc_init(&r);
        ldg_enc_array(&r, 1);
        ldg_enc_str(&r, net_rpc_methods[index].name);
        size_t len = ldg_enc_len(&r) < cap ? ldg_enc_len(&r) : 0;
        out[0] = 1;
        memcpy(out + 1, ldg_enc_data(&r), len);
        ldg_enc_free(&r);
        return len ? len + 1 : 0;
    }
    index -= (unsigned)net_rpc_method_count;
    ldg_enc e;
    ldg_enc_init(&e);
    static const char *const simple[] = {"status", "participants", "assets", "trades",
                                         "cycles", "queue",        "stop"};
    const size_t ns = sizeof simple / sizeof simple[0];
    if (index < ns) {
        ldg_enc_array(&e, 1);
        ldg_enc_str(&e, simple[index]);
    } else if (index == ns) {
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "block");
        ldg_enc_u64(&e, 0);
    } else if (index == ns + 1) {
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "participant");
        ldg_enc_str(&e, "alice");
    } else if (index == ns + 2) {
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "balance");
        ldg_enc_str(&e, "bob");
    } else if (index == ns + 3) {
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "holders");
        ldg_enc_str(&e, "US0378331005");
    } else if (index == ns + 4) {
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "tx");
        ldg_enc_bin(&e, "0123456789abcdef0123456789abcdef", 32);
    } else if (index == ns + 5) {
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "dev_time_advance");
        ldg_enc_u64(&e, 60000);
    } else if (index == ns + 6) {
        /* A valid transfer by the operator (admitted into the pool). */
        ldg_enc p;
        ldg_enc_init(&p);
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, "US0378331005");
        ldg_enc_u64(&p, 5);
        ldg_enc_bin(&p, "01234567890123456789", LDG_ACCOUNT_LEN);
        size_t len;
        ldg_tip tip = ldg_chain_tip(n->chain);
        uint8_t *w = ldg_tx_build(
            &len, NULL, "folio-fuzz", ldg_chain_genesis_hash(n->chain), 11, &operator_key,
            net_now_ms() + 30 * 60 * 1000 > tip.time_ms ? net_now_ms() + 30 * 60 * 1000
                                                        : tip.time_ms + 1000,
            ldg_enc_data(&p), ldg_enc_len(&p), true);
        ldg_enc_free(&p);
        LDG_ASSERT(w);
        ldg_enc_array(&e, 3);
        ldg_enc_str(&e, "submit");
        ldg_enc_bin(&e, w, len);
        ldg_enc_bin(&e, "junk", 4);
        free(w);
    } else if (index == ns + 7) { /* a page: after a cursor, a limit */
        ldg_enc_array(&e, 3);
        ldg_enc_str(&e, "participants");
        ldg_enc_str(&e, "alice");
        ldg_enc_u64(&e, 1);
    } else if (index == ns + 8) {
        ldg_enc_array(&e, 4);
        ldg_enc_str(&e, "holders");
        ldg_enc_str(&e, "US0378331005");
        ldg_enc_str(&e, "5:0123456789abcdef0123456789abcdef01234567");
        ldg_enc_u64(&e, 2);
    } else if (index == ns + 9) {
        ldg_enc_array(&e, 4);
        ldg_enc_str(&e, "block");
        ldg_enc_u64(&e, 0);
        ldg_enc_nil(&e);
        ldg_enc_u64(&e, 5);
    } else if (index == ns + 10) { /* the crash of issue 12: a surrogate in the method name */
        ldg_enc_array(&e, 1);
        ldg_enc_strn(&e, "x\xed\xa0\x80", 4);
    } else {
        ldg_enc_free(&e);
        return 0;
    }
    size_t len = ldg_enc_len(&e) < cap ? ldg_enc_len(&e) : 0;
    out[0] = 1;
    memcpy(out + 1, ldg_enc_data(&e), len);
    ldg_enc_free(&e);
    return len ? len + 1 : 0;
}
