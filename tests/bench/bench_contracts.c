/* Contract-mediated transfers beside plain native transfers, in the same run, in-process
 * through the executor (ldg_exec_tx on an in-memory state, a block committed every
 * BLOCK_TXS transactions; signatures are made before timing, as the node verifies them
 * on admission, not in the executor):
 *   1. native asset.transfer of an instrument without a compliance contract;
 *   2. the same on an instrument with Compliance.sol attached (canTransfer runs on every
 *      transfer: three precompile reads per check);
 *   3. for reference, ERC-20 Token.transfer through contract.call.
 *   bench_contracts [TRANSFERS]   (default 20000; FOLIO_SRC locates tests/contracts)
 * BENCH_LOCKUP=1 deploys the compliance contract with a lockup in the future, so every
 * guarded transfer is refused: a check that the hook really runs. */
#include "gov_module.h"
#include "ldg_keccak.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ast_asset.h"
#include "ldg_exec.h"
#include "ast_contract.h"
#include "ldg_vm_ledger.h"
#include "net_node.h"

#define HOLDERS 64
#define BLOCK_TXS 1000
#define PLAIN "US0378331005"
#define GUARDED "US5949181045"
#define T0 1700000000000ULL

static ldg_registry *reg;
static ldg_memkv *kv;
static ldg_state *st;
static ldg_env env = {.chain_id = "folio-bench", .height = 1, .time_ms = T0};
static ldg_keypair keys[HOLDERS + 1]; /* 0 = issuer */
static ldg_account accts[HOLDERS + 1];
static uint32_t in_block;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void commit(void)
{
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ldg_memkv_apply(kv, w, n);
    ldg_state_reset(st);
    env.height++;
    in_block = 0;
}

static void key_of(ldg_keypair *kp, uint32_t i)
{
    for (uint32_t salt = 0;; salt++) {
        uint8_t in[16] = "folio-bench";
        memcpy(in + 8, &i, 4);
        memcpy(in + 12, &salt, 4);
        ldg_hash h;
        ldg_sha256(&h, in, sizeof in);
        if (ldg_keypair_from_secret(kp, h.b) == LDG_OK)
            return;
    }
}

typedef struct wire {
    uint8_t *b;
    size_t n;
} wire;

static wire build(uint32_t who, uint64_t type, const ldg_enc *payload)
{
    wire w;
    ldg_hash id;
    w.b = ldg_tx_build(&w.n, &id, env.chain_id, &(ldg_hash){{0}}, type, &keys[who],
                       env.time_ms + 600000, ldg_enc_data(payload), ldg_enc_len(payload), false);
    if (!w.b)
        abort();
    return w;
}

/* Executes one signed transaction; returns its receipt. */
static ldg_receipt exec(const wire *w)
{
    ldg_tx tx;
    ldg_receipt rc;
    if (ldg_tx_decode(&tx, w->b, w->n) != LDG_R_OK ||
        ldg_exec_tx(reg, st, &env, &tx, in_block++, &rc) != LDG_OK)
        abort();
    ldg_tx_free(&tx);
    if (in_block == BLOCK_TXS)
        commit();
    return rc;
}

static ldg_receipt run1(uint32_t who, uint64_t type, const ldg_enc *payload)
{
    wire w = build(who, type, payload);
    ldg_receipt rc = exec(&w);
    free(w.b);
    if (rc.code != LDG_R_OK) {
        fprintf(stderr, "bench_contracts: setup tx failed: %s %s\n", ldg_result_name(rc.code),
                rc.detail);
        exit(1);
    }
    return rc;
}

static uint8_t *read_bin(const char *name, size_t *len)
{
    const char *src = getenv("FOLIO_SRC");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/contracts/%s.json", src && *src ? src : ".", name);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    const char *key;
    json_t *c, *bin = NULL;
    json_object_foreach(json_object_get(j, "contracts"), key, c) bin = json_object_get(c, "bin");
    const char *h = json_string_value(bin);
    if (!h) {
        fprintf(stderr, "bench_contracts: cannot read %s (set FOLIO_SRC)\n", path);
        exit(1);
    }
    size_t n = strlen(h) / 2;
    uint8_t *b = malloc(n + 4 * 32 * 8);
    for (size_t i = 0; i < n; i++)
        sscanf(h + 2 * i, "%2hhx", &b[i]);
    json_decref(j);
    *len = n;
    return b;
}

static void word_u64(uint8_t *w, uint64_t v)
{
    memset(w, 0, 32);
    for (int i = 31; i >= 24; i--, v >>= 8)
        w[i] = (uint8_t)v;
}

/* Deploys name with ABI args appended; returns the address. */
static ldg_evm_address deploy(const char *name, const uint8_t *args, size_t args_len)
{
    size_t n;
    uint8_t *code = read_bin(name, &n);
    memcpy(code + n, args, args_len);
    /* The committee approved the code (what an activated code-approve writes). */
    uint8_t h[32];
    ldg_keccak256(h, code, n);
    gov_code_approved_put(st, h, 1);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_bin(&e, code, n + args_len);
    ldg_enc_u64(&e, 5000000);
    ldg_enc_u64(&e, args_len);
    ldg_receipt rc = run1(0, LDG_VM_TX_DEPLOY, &e);
    ldg_enc_free(&e);
    free(code);
    ldg_evm_address a;
    memcpy(a.bytes, rc.data, 20);
    return a;
}

static void setup(void)
{
    reg = net_registry_new();
    kv = ldg_memkv_new();
    st = ldg_state_new(ldg_memkv_base(kv));
    for (uint32_t i = 0; i <= HOLDERS; i++) {
        key_of(&keys[i], i);
        ldg_participant p = {.roles = i ? LDG_ROLE_BROKER : LDG_ROLE_ISSUER | LDG_ROLE_DEPLOYER,
                             .pubkey = keys[i].pub};
        snprintf(p.name, sizeof p.name, "p%u", i);
        ldg_account_of(&p.account, &keys[i].pub);
        accts[i] = p.account;
        ldg_participant_put(st, &p);
    }
    const char *ids[2] = {PLAIN, GUARDED};
    for (int k = 0; k < 2; k++) {
        ast_asset a = {.kind = AST_KIND_EQUITY, .supply = 1000000000, .risk = 1};
        snprintf(a.id, sizeof a.id, "%s", ids[k]);
        snprintf(a.name, sizeof a.name, "Bench %d", k);
        a.issuer = accts[0];
        ast_asset_put(st, &a);
        if (ast_credit(st, ids[k], &accts[0], a.supply) != LDG_R_OK)
            abort();
        ldg_txctx c = {.reg = reg, .st = st, .env = &env, .sender = accts[0]};
        for (int i = 1; i <= HOLDERS; i++)
            if (ast_move_raw(c.st, ids[k], &accts[0], &accts[i], 1000000) != LDG_R_OK)
                abort();
    }
    commit();
    /* Compliance(GUARDED, maxHolders 1000, lockup 0) */
    uint8_t args[5 * 32];
    word_u64(args, 96);
    word_u64(args + 32, 1000);
    word_u64(args + 64, getenv("BENCH_LOCKUP") ? 4000000000ULL : 0);
    word_u64(args + 96, 12);
    memset(args + 128, 0, 32);
    memcpy(args + 128, GUARDED, 12);
    ldg_evm_address comp = deploy("Compliance", args, sizeof args);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, GUARDED);
    ldg_enc_bin(&e, comp.bytes, 20);
    run1(0, AST_TX_CONTRACT_ATTACH, &e);
    ldg_enc_free(&e);
    commit();
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint32_t next_holder(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return 1 + (uint32_t)(rng % HOLDERS);
}

/* Builds n transfers of id between random holders, times their execution. */
static double bench_transfers(const char *id, int n, int *ok)
{
    wire *w = malloc((size_t)n * sizeof *w);
    ldg_enc e;
    ldg_enc_init(&e);
    for (int i = 0; i < n; i++) {
        uint32_t from = next_holder(), to = next_holder();
        if (to == from)
            to = 1 + to % HOLDERS;
        ldg_enc_reset(&e);
        ldg_enc_array(&e, 3);
        ldg_enc_str(&e, id);
        ldg_enc_u64(&e, 1 + (uint64_t)i % 7);
        ldg_enc_bin(&e, accts[to].b, LDG_ACCOUNT_LEN);
        w[i] = build(from, AST_TX_TRANSFER, &e);
    }
    ldg_enc_free(&e);
    *ok = 0;
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        *ok += exec(&w[i]).code == LDG_R_OK;
    commit();
    double dt = now_s() - t0;
    for (int i = 0; i < n; i++)
        free(w[i].b);
    free(w);
    return dt;
}

static double bench_erc20(int n, int *ok)
{
    uint8_t args[7 * 32] = {0};
    word_u64(args, 96);
    word_u64(args + 32, 160);
    word_u64(args + 64, 1000000000);
    word_u64(args + 96, 5);
    memcpy(args + 128, "Bench", 5);
    word_u64(args + 160, 3);
    memcpy(args + 192, "BNC", 3);
    ldg_evm_address token = deploy("Token", args, sizeof args);
    commit();
    wire *w = malloc((size_t)n * sizeof *w);
    ldg_enc e;
    ldg_enc_init(&e);
    for (int i = 0; i < n; i++) {
        uint8_t in[4 + 64] = {0xa9, 0x05, 0x9c, 0xbb}; /* transfer(address,uint256) */
        memcpy(in + 4 + 12, accts[next_holder()].b, 20);
        word_u64(in + 36, 1);
        ldg_enc_reset(&e);
        ldg_enc_array(&e, 3);
        ldg_enc_bin(&e, token.bytes, 20);
        ldg_enc_bin(&e, in, sizeof in);
        ldg_enc_u64(&e, 100000);
        w[i] = build(0, LDG_VM_TX_CALL, &e);
    }
    ldg_enc_free(&e);
    *ok = 0;
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        *ok += exec(&w[i]).code == LDG_R_OK;
    commit();
    double dt = now_s() - t0;
    for (int i = 0; i < n; i++)
        free(w[i].b);
    free(w);
    return dt;
}

static uint64_t total(const char *id)
{
    uint64_t sum = 0, q;
    for (int i = 0; i <= HOLDERS; i++) {
        if (ast_balance_get(st, id, &accts[i], &q) != LDG_OK)
            abort();
        sum += q;
    }
    return sum;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    if (n <= 0 || n > 10000000) {
        fprintf(stderr, "usage: bench_contracts [TRANSFERS]\n");
        return 2;
    }
    setup();
    int ok1, ok2, ok3;
    double plain = bench_transfers(PLAIN, n, &ok1);
    double guarded = bench_transfers(GUARDED, n, &ok2);
    double erc20 = bench_erc20(n, &ok3);
    printf(
        "native transfers, no compliance contract:      %7d tx in %6.3f s = %9.0f tx/s (%d ok)\n",
        n, plain, n / plain, ok1);
    printf("native transfers, Compliance.sol canTransfer:  %7d tx in %6.3f s = %9.0f tx/s (%d ok), "
           "%.1fx the time of a plain one\n",
           n, guarded, n / guarded, ok2, guarded / plain);
    printf(
        "ERC-20 Token.transfer via contract.call:       %7d tx in %6.3f s = %9.0f tx/s (%d ok)\n",
        n, erc20, n / erc20, ok3);
    bool conserved = total(PLAIN) == 1000000000 && total(GUARDED) == 1000000000;
    printf("conservation of both instruments: %s\n", conserved ? "ok" : "BROKEN");
    ldg_state_free(st);
    ldg_memkv_free(kv);
    ldg_registry_free(reg);
    return conserved && ok1 == n && ok2 == n && ok3 == n ? 0 : 1;
}
