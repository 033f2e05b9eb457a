/* Unit tests for ledger/vm/ldg_vm_ledger: contracts through the executor on an in-memory
 * state. Deploy and call (storage, logs, stored result), a revert leaves nothing but the
 * receipt, out of gas, the deployer role, bad code (invalid and undefined opcodes, stack
 * underflow, a jump into push data, oversized and empty init code, unknown address, gas
 * limits, malformed payload), read-only calls, the native-instrument precompile (balance,
 * transfer through ast_move, conservation) and the compliance hook allowing and blocking
 * transfers (via ldg_transfer_hooks_run directly and through ast_move). */
#include "gov_module.h"
#include "testlib.h"

#include "ast_asset.h"
#include "ldg_exec.h"
#include "ldg_keccak.h"
#include "ast_contract.h"
#include "ldg_vm_ledger.h"
#include "net_node.h"

#define ISIN "US0378331005"
#define T0 1700000000000ULL

static ldg_registry *reg;
static ldg_memkv *kv;
static ldg_state *st;
static ldg_env env = {.chain_id = "folio-vm", .height = 1, .time_ms = T0};
static ldg_keypair k_deployer, k_plain, k_issuer;
static ldg_account a_deployer, a_plain, a_issuer;
static uint32_t tx_index;

static void add_participant(const char *name, ldg_keypair *kp, uint32_t index, uint32_t roles,
                            ldg_account *acct)
{
    tl_key(kp, index);
    ldg_participant p = {.roles = roles, .pubkey = kp->pub};
    snprintf(p.name, sizeof p.name, "%s", name);
    p.account = tl_account(kp);
    *acct = p.account;
    ldg_participant_put(st, &p);
}

static void setup(void)
{
    reg = net_registry_new();
    kv = ldg_memkv_new();
    st = ldg_state_new(ldg_memkv_base(kv));
    add_participant("deployer", &k_deployer, 1, LDG_ROLE_DEPLOYER | LDG_ROLE_BROKER, &a_deployer);
    add_participant("plain", &k_plain, 2, LDG_ROLE_BROKER, &a_plain);
    add_participant("issuer", &k_issuer, 3, LDG_ROLE_ISSUER | LDG_ROLE_DEPLOYER, &a_issuer);
    tx_index = 0;
}

static void teardown(void)
{
    ldg_state_free(st);
    ldg_memkv_free(kv);
    ldg_registry_free(reg);
}

/* Runs one transaction; returns the receipt. *id gets the tx id. */
static ldg_receipt run_tx(const ldg_keypair *kp, uint64_t type, const ldg_enc *payload,
                          ldg_hash *id_out)
{
    size_t len;
    ldg_hash id;
    uint8_t *w = tl_tx_build_fresh(&len, &id, env.chain_id, &TL_NO_GENESIS, type, kp,
                                   env.time_ms + 60000, payload);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ldg_receipt rc;
    ck_assert_int_eq(ldg_exec_tx(reg, st, &env, &tx, tx_index++, &rc), LDG_OK);
    ldg_tx_free(&tx);
    free(w);
    if (id_out)
        *id_out = id;
    return rc;
}

/* Init code that returns `runtime` as the contract's code. */
static uint8_t *init_for(const uint8_t *runtime, size_t n, size_t *out_len)
{
    static const uint8_t head[12] = {0x61, 0,    0,    0x80, 0x60, 0x0c,
                                     0x60, 0x00, 0x39, 0x60, 0x00, 0xf3};
    uint8_t *b = malloc(12 + n);
    memcpy(b, head, 12);
    b[1] = (uint8_t)(n >> 8);
    b[2] = (uint8_t)n;
    memcpy(b + 12, runtime, n);
    *out_len = 12 + n;
    return b;
}

/* The committee approves the code (what an activated code-approve proposal writes). */
static void approve(const uint8_t *code, size_t n)
{
    uint8_t h[32];
    ldg_keccak256(h, code, n);
    gov_code_approved_put(st, h, 1);
}

static ldg_receipt deploy_raw(const ldg_keypair *kp, const uint8_t *code, size_t n, uint64_t gas)
{
    approve(code, n);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_bin(&e, code, n);
    ldg_enc_u64(&e, gas);
    ldg_receipt rc = run_tx(kp, LDG_VM_TX_DEPLOY, &e, NULL);
    ldg_enc_free(&e);
    return rc;
}

/* Deploys runtime code; returns its address (asserts success). */
static ldg_evm_address deploy(const ldg_keypair *kp, const uint8_t *runtime, size_t n)
{
    size_t len;
    uint8_t *init = init_for(runtime, n, &len);
    ldg_receipt rc = deploy_raw(kp, init, len, 1000000);
    free(init);
    ck_assert_msg(rc.code == LDG_R_OK, "deploy: %s %s", ldg_result_name(rc.code), rc.detail);
    ck_assert_uint_eq(rc.data_len, 28);
    ldg_evm_address a;
    memcpy(a.bytes, rc.data, 20);
    return a;
}

static ldg_receipt call(const ldg_keypair *kp, const ldg_evm_address *to, const uint8_t *in,
                        size_t n, uint64_t gas, ldg_hash *id)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_bin(&e, to->bytes, 20);
    ldg_enc_bin(&e, in, n);
    ldg_enc_u64(&e, gas);
    ldg_receipt rc = run_tx(kp, LDG_VM_TX_CALL, &e, id);
    ldg_enc_free(&e);
    return rc;
}

static uint64_t slot_u64(const ldg_evm_address *a, uint8_t slot)
{
    uint8_t s[32] = {0}, v[32];
    s[31] = slot;
    ck_assert_int_eq(ldg_vm_storage_get(st, a, s, v), LDG_OK);
    uint64_t x = 0;
    for (int i = 24; i < 32; i++)
        x = x << 8 | v[i];
    return x;
}

/* counter: slot0 += 1; LOG1(slot0, topic 0xaa); return slot0 */
static const uint8_t counter[] = {0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x80, 0x60, 0x00,
                                  0x55, 0x80, 0x60, 0x00, 0x52, 0x60, 0xaa, 0x60, 0x20,
                                  0x60, 0x00, 0xa1, 0x50, 0x60, 0x20, 0x60, 0x00, 0xf3};

START_TEST(test_deploy_and_call)
{
    ldg_evm_address sender_addr, c = deploy(&k_deployer, counter, sizeof counter);
    memcpy(sender_addr.bytes, a_deployer.b, 20);
    ldg_evm_address want = ldg_vm_create_address(&sender_addr, 0);
    ck_assert_mem_eq(c.bytes, want.bytes, 20);
    /* second deployment: next nonce */
    ldg_evm_address c2 = deploy(&k_deployer, counter, sizeof counter);
    want = ldg_vm_create_address(&sender_addr, 1);
    ck_assert_mem_eq(c2.bytes, want.bytes, 20);

    bool found;
    uint64_t nonce;
    uint8_t *code;
    size_t code_size;
    ck_assert_int_eq(ldg_vm_account_get(st, &c, &found, &nonce, &code, &code_size), LDG_OK);
    ck_assert(found && nonce == 1 && code_size == sizeof counter);
    ck_assert_mem_eq(code, counter, sizeof counter);
    free(code);

    ldg_hash id;
    ldg_receipt rc = call(&k_plain, &c, NULL, 0, 100000, NULL);
    ck_assert_msg(rc.code == LDG_R_OK, "%s", rc.detail);
    rc = call(&k_plain, &c, NULL, 0, 100000, &id);
    ck_assert_int_eq(rc.code, LDG_R_OK);
    ck_assert_uint_eq(slot_u64(&c, 0), 2);
    ck_assert(strstr(rc.detail, "gas used") && strstr(rc.detail, "1 log(s)"));
    ck_assert_uint_eq(rc.data_len, 8 + 32);
    ck_assert_uint_eq(rc.data[8 + 31], 2);

    ldg_vm_outcome o;
    ck_assert_int_eq(ldg_vm_result_get(st, id.b, &o), LDG_OK);
    ck_assert_int_eq(o.status, LDG_EVM_SUCCESS);
    ck_assert_uint_eq(o.output_size, 32);
    ck_assert_uint_eq(o.output[31], 2);
    ck_assert_uint_eq(o.log_count, 1);
    ck_assert_uint_eq(o.logs[0].topics_count, 1);
    ck_assert_uint_eq(o.logs[0].topics[0].bytes[31], 0xaa);
    ck_assert_mem_eq(o.logs[0].addr.bytes, c.bytes, 20);
    /* gas: 21000 + SLOAD cold 2100 + SSTORE 0->X 20000 + ... (second call: 2900) */
    ck_assert(o.gas_used > 21000 + 2100 + 2900 && o.gas_used < 21000 + 2100 + 20000 + 2000);
    ldg_vm_outcome_free(&o);
}
END_TEST

/* The deployer role no longer gates deployment: the committee's approved code hashes do
 * (specs/vm_ledger.md §3), over the code without its constructor arguments. */
START_TEST(test_code_gate)
{
    size_t len;
    uint8_t *init = init_for(counter, sizeof counter, &len);
    uint8_t *with_args = malloc(len + 32);
    memcpy(with_args, init, len);
    memset(with_args + len, 0x42, 32); /* constructor arguments: data after the code */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_bin(&e, with_args, len + 32);
    ldg_enc_u64(&e, 1000000);
    ldg_enc_u64(&e, 32);
    ldg_receipt rc = run_tx(&k_plain, LDG_VM_TX_DEPLOY, &e, NULL);
    ck_assert_int_eq(rc.code, GOV_R_CODE_NOT_APPROVED);
    ck_assert(strstr(rc.detail, "not approved"));
    approve(init, len); /* the code alone; plain holds no deployer role */
    rc = run_tx(&k_plain, LDG_VM_TX_DEPLOY, &e, NULL);
    ck_assert_msg(rc.code == LDG_R_OK, "%s %s", ldg_result_name(rc.code), rc.detail);
    ldg_enc_reset(&e);
    ldg_enc_array(&e, 3); /* arguments as long as the whole init code: no code left */
    ldg_enc_bin(&e, with_args, len + 32);
    ldg_enc_u64(&e, 1000000);
    ldg_enc_u64(&e, len + 32);
    rc = run_tx(&k_plain, LDG_VM_TX_DEPLOY, &e, NULL);
    ck_assert_int_eq(rc.code, LDG_R_BAD_PAYLOAD);
    ldg_enc_free(&e);
    free(with_args);
    free(init);
}
END_TEST

/* SSTORE(0, 1) then REVERT with Error("nope") copied from the code's tail. */
static const uint8_t reverter[] = {
    0x60, 0x01, 0x60, 0x00, 0x55,             /* sstore(0,1) */
    0x60, 0x64, 0x60, 0x13, 0x60, 0x00, 0x39, /* codecopy(0, 0x13, 100) */
    0x60, 0x64, 0x60, 0x00, 0xfd,             /* revert(0, 100) */
    0x00, 0x00,                               /* pad to 0x13 */
    0x08, 0xc3, 0x79, 0xa0,                   /* Error(string) */
    0,    0,    0,    0,    0,    0,    0,    0,   0, 0, 0, 0,    0, 0, 0, 0, 0, 0, 0, 0,
    0,    0,    0,    0,    0,    0,    0,    0,   0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0,
    0,    0,    0,    0,    0,    0,    0,    0,   0, 0, 0, 0,    0, 0, 0, 0, 0, 0, 0, 0,
    0,    0,    0,    4,    'n',  'o',  'p',  'e', 0, 0, 0, 0,    0, 0, 0, 0, 0, 0, 0, 0,
    0,    0,    0,    0,    0,    0,    0,    0,   0, 0, 0, 0,    0, 0, 0, 0};

START_TEST(test_revert_leaves_nothing)
{
    ldg_evm_address c = deploy(&k_deployer, reverter, sizeof reverter);
    ldg_hash id;
    ldg_receipt rc = call(&k_plain, &c, NULL, 0, 100000, &id);
    ck_assert_int_eq(rc.code, LDG_VM_R_REVERTED);
    ck_assert_msg(strstr(rc.detail, "REVERT (gas used ") && strstr(rc.detail, "): nope"), "%s",
                  rc.detail);
    ck_assert_uint_eq(slot_u64(&c, 0), 0);
    ldg_vm_outcome o;
    ck_assert_int_eq(ldg_vm_result_get(st, id.b, &o), LDG_ERR_NOT_FOUND);
    /* a revert in the constructor: no contract, the nonce stays */
    size_t len;
    uint8_t *init = init_for(counter, sizeof counter, &len);
    ldg_receipt d = deploy_raw(&k_deployer, reverter, sizeof reverter, 200000);
    free(init);
    ck_assert_int_eq(d.code, LDG_VM_R_REVERTED);
    ldg_evm_address s;
    memcpy(s.bytes, a_deployer.b, 20);
    ldg_evm_address next = ldg_vm_create_address(&s, 1);
    bool found;
    uint64_t nonce;
    uint8_t *code;
    size_t cs;
    ck_assert_int_eq(ldg_vm_account_get(st, &next, &found, &nonce, &code, &cs), LDG_OK);
    ck_assert(!found);
    free(code);
}
END_TEST

START_TEST(test_bad_code)
{
    static const uint8_t loop[] = {0x5b, 0x60, 0x00, 0x56};
    static const uint8_t invalid[] = {0xfe};
    static const uint8_t undefined[] = {0x0c};
    static const uint8_t underflow[] = {0x01};
    static const uint8_t into_push[] = {0x60, 0x5b, 0x60, 0x01, 0x56};
    uint8_t overflow[1100];
    for (size_t i = 0; i < 1025; i++)
        overflow[i] = 0x5f; /* PUSH0 x 1025 */
    struct {
        const uint8_t *code;
        size_t n;
        ldg_result want;
        const char *detail;
    } cases[] = {
        {loop, sizeof loop, LDG_VM_R_OUT_OF_GAS, "OUT_OF_GAS"},
        {invalid, sizeof invalid, LDG_VM_R_EXCEPTION, "INVALID_INSTRUCTION"},
        {undefined, sizeof undefined, LDG_VM_R_EXCEPTION, "UNDEFINED_INSTRUCTION"},
        {underflow, sizeof underflow, LDG_VM_R_EXCEPTION, "STACK_UNDERFLOW"},
        {into_push, sizeof into_push, LDG_VM_R_EXCEPTION, "BAD_JUMP_DESTINATION"},
        {overflow, 1025, LDG_VM_R_EXCEPTION, "STACK_OVERFLOW"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ldg_evm_address c = deploy(&k_deployer, cases[i].code, cases[i].n);
        ldg_receipt rc = call(&k_plain, &c, NULL, 0, 100000, NULL);
        ck_assert_msg(rc.code == cases[i].want, "case %zu: %s", i, ldg_result_name(rc.code));
        ck_assert_msg(strstr(rc.detail, cases[i].detail), "case %zu: %s", i, rc.detail);
        ck_assert(strstr(rc.detail, "(gas used 100000)")); /* a halt eats all gas */
        /* as init code too */
        ldg_receipt d = deploy_raw(&k_deployer, cases[i].code, cases[i].n, 200000);
        ck_assert_int_eq(d.code, cases[i].want);
    }
}
END_TEST

START_TEST(test_bad_requests)
{
    uint8_t *big = calloc(1, LDG_EVM_INITCODE_SIZE_MAX + 1);
    ldg_receipt rc = deploy_raw(&k_deployer, big, LDG_EVM_INITCODE_SIZE_MAX + 1, 29000000);
    ck_assert_int_eq(rc.code, LDG_VM_R_CODE_TOO_LARGE);
    free(big);
    rc = deploy_raw(&k_deployer, counter, 0, 100000);
    ck_assert_int_eq(rc.code, LDG_VM_R_EMPTY_CODE);
    /* deployed code over 24576 bytes: init returns 24577 bytes of memory */
    static const uint8_t too_big[] = {0x62, 0x00, 0x60, 0x01, 0x60, 0x00, 0xf3};
    rc = deploy_raw(&k_deployer, too_big, sizeof too_big, 10000000);
    ck_assert_int_eq(rc.code, LDG_VM_R_OUT_OF_GAS);
    rc = deploy_raw(&k_deployer, counter, sizeof counter, LDG_VM_TX_GAS_MAX + 1ULL);
    ck_assert_int_eq(rc.code, LDG_VM_R_GAS_LIMIT);
    rc = deploy_raw(&k_deployer, counter, sizeof counter, 50000);
    ck_assert_int_eq(rc.code, LDG_VM_R_INTRINSIC_GAS);
    ldg_evm_address nobody;
    memset(nobody.bytes, 0x77, 20);
    rc = call(&k_plain, &nobody, NULL, 0, 100000, NULL);
    ck_assert_int_eq(rc.code, LDG_VM_R_NO_CONTRACT);
    ck_assert(strstr(rc.detail, "0x7777"));
    /* a participant's address is no contract either */
    memcpy(nobody.bytes, a_plain.b, 20);
    rc = call(&k_plain, &nobody, NULL, 0, 100000, NULL);
    ck_assert_int_eq(rc.code, LDG_VM_R_NO_CONTRACT);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_u64(&e, 5);
    rc = run_tx(&k_deployer, LDG_VM_TX_DEPLOY, &e, NULL);
    ck_assert_int_eq(rc.code, LDG_R_BAD_PAYLOAD);
    rc = run_tx(&k_deployer, LDG_VM_TX_CALL, &e, NULL);
    ck_assert_int_eq(rc.code, LDG_R_BAD_PAYLOAD);
    ldg_enc_free(&e);
}
END_TEST

START_TEST(test_query_changes_nothing)
{
    ldg_evm_address c = deploy(&k_deployer, counter, sizeof counter);
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ldg_memkv_apply(kv, w, n);
    size_t before = ldg_memkv_count(kv);
    ldg_state *q = ldg_state_new(ldg_memkv_base(kv));
    ldg_vm_outcome o;
    ck_assert_int_eq(ldg_vm_call(reg, q, &env, &a_plain, &c, NULL, 0, 100000, &o), LDG_OK);
    ck_assert_int_eq(o.code, LDG_R_OK);
    ck_assert_uint_eq(o.output[31], 1);
    ck_assert_uint_eq(o.log_count, 1);
    ldg_vm_outcome_free(&o);
    ldg_state_free(q);
    ck_assert_uint_eq(ldg_memkv_count(kv), before);
    q = ldg_state_new(ldg_memkv_base(kv));
    uint8_t s[32] = {0}, v[32];
    ck_assert_int_eq(ldg_vm_storage_get(q, &c, s, v), LDG_OK);
    ck_assert_uint_eq(v[31], 0);
    ldg_state_free(q);
}
END_TEST

/* ---- native instruments ---- */

/* Forwards its call data to the precompile 0x100 and returns (or reverts with) its answer. */
static const uint8_t forwarder[] = {0x36, 0x60, 0x00, 0x60, 0x00, 0x37, /* calldatacopy */
                                    0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00,
                                    0x60, 0x00, 0x61, 0x01, 0x00, 0x5a, 0xf1, /* call */
                                    0x3d, 0x60, 0x00, 0x60, 0x00, 0x3e,       /* returndatacopy */
                                    0x60, 0x21, 0x57,                         /* jumpi ok */
                                    0x3d, 0x60, 0x00, 0xfd,                   /* revert */
                                    0x5b, 0x3d, 0x60, 0x00, 0xf3};            /* ok: return */

/* canTransfer(from, to, amount) = amount <= 100 */
static const uint8_t cap100[] = {0x60, 0x44, 0x35, 0x60, 0x65, 0x11, 0x60,
                                 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};

static void issue(uint64_t supply, const ldg_account *to)
{
    ast_asset a = {.kind = AST_KIND_EQUITY, .supply = supply, .scale = 0, .risk = 1};
    snprintf(a.id, sizeof a.id, "%s", ISIN);
    snprintf(a.name, sizeof a.name, "Test Co");
    a.issuer = a_issuer;
    ast_asset_put(st, &a);
    ck_assert_int_eq(ast_credit(st, ISIN, to, supply), LDG_R_OK);
}

static uint64_t bal(const ldg_account *a)
{
    uint64_t q = 99;
    ck_assert_int_eq(ast_balance_get(st, ISIN, a, &q), LDG_OK);
    return q;
}

static size_t abi_transfer(uint8_t *b, const char *sig, const ldg_account *to, uint64_t qty)
{
    memset(b, 0, 4 + 5 * 32);
    uint8_t h[32];
    ldg_keccak256(h, (const uint8_t *)sig, strlen(sig));
    memcpy(b, h, 4);
    uint8_t *a = b + 4;
    a[31] = qty ? 0x60 : 0x40; /* string offset */
    memcpy(a + 32 + 12, to->b, 20);
    size_t off = qty ? 96 : 64;
    for (int i = 0; i < 8; i++)
        a[64 + 31 - i] = (uint8_t)(qty >> (8 * i));
    a[off + 31] = 12;
    memcpy(a + off + 32, ISIN, 12);
    return 4 + off + 64;
}

static ldg_account acct_of(const ldg_evm_address *a)
{
    ldg_account x;
    memcpy(x.b, a->bytes, 20);
    return x;
}

START_TEST(test_precompile_balance_transfer)
{
    ldg_evm_address f = deploy(&k_deployer, forwarder, sizeof forwarder);
    ldg_account fa = acct_of(&f);
    issue(1000, &a_issuer);
    ldg_txctx c = {.reg = reg, .st = st, .env = &env, .sender = a_issuer};
    ck_assert_int_eq(ast_move(&c, ISIN, &a_issuer, &fa, 300), LDG_R_OK);

    uint8_t in[4 + 5 * 32];
    size_t n = abi_transfer(in, "balanceOf(string,address)", &fa, 0);
    ldg_evm_address p = {{0}};
    p.bytes[18] = 1;
    ldg_vm_outcome o;
    ck_assert_int_eq(ldg_vm_call(reg, st, &env, &a_plain, &p, in, n, 100000, &o), LDG_OK);
    ck_assert_int_eq(o.code, LDG_R_OK);
    ck_assert_uint_eq(o.output_size, 32);
    ck_assert_uint_eq(o.output[30] << 8 | o.output[31], 300);
    ldg_vm_outcome_free(&o);

    /* the contract moves 120 of its own to plain */
    n = abi_transfer(in, "transfer(string,address,uint256)", &a_plain, 120);
    ldg_receipt rc = call(&k_plain, &f, in, n, 200000, NULL);
    ck_assert_msg(rc.code == LDG_R_OK, "%s %s", ldg_result_name(rc.code), rc.detail);
    ck_assert_uint_eq(bal(&fa), 180);
    ck_assert_uint_eq(bal(&a_plain), 120);
    ck_assert_uint_eq(bal(&a_issuer), 700);
    ck_assert_uint_eq(bal(&fa) + bal(&a_plain) + bal(&a_issuer), 1000);

    /* more than it holds: the native refusal is the receipt's code, nothing moves */
    n = abi_transfer(in, "transfer(string,address,uint256)", &a_plain, 181);
    rc = call(&k_plain, &f, in, n, 200000, NULL);
    ck_assert_int_eq(rc.code, AST_R_INSUFFICIENT_BALANCE);
    ck_assert_uint_eq(bal(&fa), 180);
    ck_assert_uint_eq(bal(&fa) + bal(&a_plain) + bal(&a_issuer), 1000);

    /* direct call to the precompile by a participant moves the participant's own */
    n = abi_transfer(in, "transfer(string,address,uint256)", &a_deployer, 20);
    rc = call(&k_plain, &p, in, n, 200000, NULL);
    ck_assert_msg(rc.code == LDG_R_OK, "%s", rc.detail);
    ck_assert_uint_eq(bal(&a_plain), 100);
    ck_assert_uint_eq(bal(&a_deployer), 20);
    ck_assert_uint_eq(bal(&fa) + bal(&a_plain) + bal(&a_issuer) + bal(&a_deployer), 1000);

    /* unknown function */
    uint8_t junk[4] = {1, 2, 3, 4};
    rc = call(&k_plain, &p, junk, 4, 200000, NULL);
    ck_assert_int_eq(rc.code, LDG_VM_R_REVERTED);
    ck_assert(strstr(rc.detail, "unknown function"));
}
END_TEST

static ldg_receipt attach(const ldg_keypair *kp, const ldg_evm_address *a)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, ISIN);
    ldg_enc_bin(&e, a->bytes, 20);
    ldg_receipt rc = run_tx(kp, AST_TX_CONTRACT_ATTACH, &e, NULL);
    ldg_enc_free(&e);
    return rc;
}

START_TEST(test_compliance_hook)
{
    issue(1000, &a_issuer);
    ldg_evm_address cc = deploy(&k_issuer, cap100, sizeof cap100);
    ldg_txctx c = {.reg = reg, .st = st, .env = &env, .sender = a_issuer};
    /* no contract attached: allowed */
    ck_assert_int_eq(ldg_transfer_hooks_run(&c, ISIN, &a_issuer, &a_plain, 500), LDG_R_OK);
    /* only the issuer attaches, and only code */
    ldg_receipt rc = attach(&k_deployer, &cc);
    ck_assert_int_eq(rc.code, LDG_R_UNAUTHORIZED);
    ldg_evm_address nobody;
    memset(nobody.bytes, 0x55, 20);
    rc = attach(&k_issuer, &nobody);
    ck_assert_int_eq(rc.code, LDG_VM_R_NO_CONTRACT);
    rc = attach(&k_issuer, &cc);
    ck_assert_msg(rc.code == LDG_R_OK, "%s", rc.detail);

    ck_assert_int_eq(ldg_transfer_hooks_run(&c, ISIN, &a_issuer, &a_plain, 100), LDG_R_OK);
    c.detail[0] = '\0';
    ck_assert_int_eq(ldg_transfer_hooks_run(&c, ISIN, &a_issuer, &a_plain, 101),
                     LDG_VM_R_COMPLIANCE);
    ck_assert_msg(strstr(c.detail, "canTransfer returned false"), "%s", c.detail);
    /* other instruments are not concerned */
    ck_assert_int_eq(ldg_transfer_hooks_run(&c, "CNY", &a_issuer, &a_plain, 101), LDG_R_OK);

    /* through ast_move (when the assets module runs the hooks) */
    ck_assert_int_eq(ast_move(&c, ISIN, &a_issuer, &a_plain, 100), LDG_R_OK);
    ck_assert_int_eq(ast_move(&c, ISIN, &a_issuer, &a_plain, 101), LDG_VM_R_COMPLIANCE);
    ck_assert_uint_eq(bal(&a_plain), 100);
    ck_assert_uint_eq(bal(&a_issuer) + bal(&a_plain), 1000);

    /* a contract-made transfer is checked as well */
    ldg_evm_address f = deploy(&k_deployer, forwarder, sizeof forwarder);
    ldg_account fa = acct_of(&f);
    ck_assert_int_eq(ast_move(&c, ISIN, &a_issuer, &fa, 100), LDG_R_OK);
    uint8_t in[4 + 5 * 32];
    size_t n = abi_transfer(in, "transfer(string,address,uint256)", &a_plain, 50);
    rc = call(&k_plain, &f, in, n, 200000, NULL);
    ck_assert_msg(rc.code == LDG_R_OK, "%s", rc.detail);
    ck_assert_uint_eq(bal(&a_plain), 150);
    ldg_enc e;
    ldg_enc_init(&e);
    ck_assert_int_eq(ast_move(&c, ISIN, &a_issuer, &fa, 100), LDG_R_OK);
    ldg_enc_free(&e);
    n = abi_transfer(in, "transfer(string,address,uint256)", &a_plain, 120);
    rc = call(&k_plain, &f, in, n, 300000, NULL);
    ck_assert_int_eq(rc.code, LDG_VM_R_COMPLIANCE);
    ck_assert_msg(strstr(rc.detail, "compliance contract"), "%s", rc.detail);
    ck_assert_uint_eq(bal(&a_plain), 150);
    ck_assert_uint_eq(bal(&a_issuer) + bal(&a_plain) + bal(&fa), 1000);

    /* a compliance contract that reverts or has no answer refuses (fail closed) */
    ldg_evm_address r = deploy(&k_issuer, reverter, sizeof reverter);
    rc = attach(&k_issuer, &r);
    ck_assert_int_eq(rc.code, LDG_R_OK);
    c.detail[0] = '\0';
    ck_assert_int_eq(ldg_transfer_hooks_run(&c, ISIN, &a_issuer, &a_plain, 1), LDG_VM_R_COMPLIANCE);
    /* (the reverter writes before it reverts: in the static call that is the halt) */
    ck_assert_msg(strstr(c.detail, "refused 1 " ISIN ": STATIC_MODE_VIOLATION"), "%s", c.detail);
    /* detach */
    ldg_evm_address zero = {{0}};
    rc = attach(&k_issuer, &zero);
    ck_assert_int_eq(rc.code, LDG_R_OK);
    ck_assert_int_eq(ldg_transfer_hooks_run(&c, ISIN, &a_issuer, &a_plain, 1000), LDG_R_OK);
}
END_TEST

/* A frame that moved a native instrument is reverted while its caller goes on: the
 * journal cannot undo ast_move, so the whole transaction is void. */
START_TEST(test_native_move_in_reverted_frame)
{
    static const uint8_t mover_then_revert[] = {
        0x36, 0x60, 0x00, 0x60, 0x00, 0x37,                                     /* calldatacopy */
        0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, 0x60, 0x00, 0x61, 0x01, 0x00, /* call 0x100 */
        0x5a, 0xf1, 0x50,                                                       /* pop */
        0x60, 0x00, 0x60, 0x00, 0xfd};                                          /* revert */
    ldg_evm_address m = deploy(&k_deployer, mover_then_revert, sizeof mover_then_revert);
    uint8_t outer[64] = {0x36, 0x60, 0x00, 0x60, 0x00, 0x37, 0x60, 0x00,
                         0x60, 0x00, 0x36, 0x60, 0x00, 0x60, 0x00, 0x73};
    size_t n = 16;
    memcpy(outer + n, m.bytes, 20);
    n += 20;
    static const uint8_t tail[] = {0x5a, 0xf1, 0x50, 0x60, 0x00, 0x60, 0x00, 0xf3};
    memcpy(outer + n, tail, sizeof tail);
    n += sizeof tail;
    ldg_evm_address o = deploy(&k_deployer, outer, n);
    issue(1000, &a_issuer);
    ldg_account ma = acct_of(&m);
    ldg_txctx c = {.reg = reg, .st = st, .env = &env, .sender = a_issuer};
    ck_assert_int_eq(ast_move(&c, ISIN, &a_issuer, &ma, 100), LDG_R_OK);
    uint8_t in[4 + 5 * 32];
    size_t len = abi_transfer(in, "transfer(string,address,uint256)", &a_plain, 40);
    ldg_receipt rc = call(&k_plain, &o, in, len, 300000, NULL);
    ck_assert_msg(rc.code == LDG_VM_R_NATIVE_UNDONE, "%s %s", ldg_result_name(rc.code), rc.detail);
    ck_assert_uint_eq(bal(&ma), 100);
    ck_assert_uint_eq(bal(&a_plain), 0);
    ck_assert_uint_eq(bal(&ma) + bal(&a_issuer), 1000);
    /* called directly, the mover's own revert voids the transaction too */
    rc = call(&k_plain, &m, in, len, 300000, NULL);
    ck_assert_int_eq(rc.code, LDG_VM_R_REVERTED);
    ck_assert_uint_eq(bal(&ma), 100);
}
END_TEST

START_TEST(test_revert_reason)
{
    char out[64];
    ldg_vm_revert_reason(out, sizeof out, reverter + 0x13, 100);
    ck_assert_str_eq(out, "nope");
    uint8_t panic[36] = {0x4e, 0x48, 0x7b, 0x71};
    panic[35] = 0x11;
    ldg_vm_revert_reason(out, sizeof out, panic, sizeof panic);
    ck_assert_str_eq(out, "panic 0x11");
    ldg_vm_revert_reason(out, sizeof out, (const uint8_t *)"\x01\x02", 2);
    ck_assert_str_eq(out, "0x0102");
    /* malformed Error(string): length beyond the data */
    uint8_t bad[4 + 64] = {0x08, 0xc3, 0x79, 0xa0};
    bad[4 + 31] = 0x20;
    bad[4 + 63] = 0xff;
    ldg_vm_revert_reason(out, sizeof out, bad, sizeof bad);
    ck_assert(!strncmp(out, "0x08c379a0", 10));
}
END_TEST

/* A contract that calls more distinct contracts than the session caches analyses of
 * (VM_CODE_CACHE_MAX) and then jumps in its own code: the cache must not free the analysis
 * of a frame still running (it did: a use-after-free, caught by ASan, a bad jump or a
 * crash otherwise). */
START_TEST(test_many_callees_keep_caller_code)
{
    enum { CALLEES = 40, PER_CALL = 34 };
    uint8_t code[CALLEES * PER_CALL + 16];
    size_t n = 0;
    for (int i = 0; i < CALLEES; i++) {
        const uint8_t callee[] = {0x60, (uint8_t)i, 0x50, 0x00}; /* PUSH1 i POP STOP */
        ldg_evm_address a = deploy(&k_deployer, callee, sizeof callee);
        for (int k = 0; k < 5; k++) { /* retSize retOff argSize argOff value: 0 */
            code[n++] = 0x60;
            code[n++] = 0x00;
        }
        code[n++] = 0x73; /* PUSH20 callee */
        memcpy(code + n, a.bytes, 20);
        n += 20;
        code[n++] = 0x5a; /* GAS */
        code[n++] = 0xf1; /* CALL */
        code[n++] = 0x50; /* POP */
    }
    size_t dest = n + 4;
    const uint8_t tail[] = {0x61,          (uint8_t)(dest >> 8),
                            (uint8_t)dest, 0x56, /* JUMP dest */
                            0x5b,          0x60,
                            0x01,          0x60,
                            0x00,          0x55,
                            0x00}; /* sstore(0, 1) */
    memcpy(code + n, tail, sizeof tail);
    n += sizeof tail;
    ldg_evm_address caller = deploy(&k_deployer, code, n);
    ldg_receipt rc = call(&k_plain, &caller, NULL, 0, 5000000, NULL);
    ck_assert_msg(rc.code == LDG_R_OK, "%s %s", ldg_result_name(rc.code), rc.detail);
    ck_assert_uint_eq(slot_u64(&caller, 0), 1);
}
END_TEST

/* A module's precompile (ldg_vm_precompile_register) answers at its address; an address
 * of the range nobody registered fails the call like an unassigned precompile. */
static ldg_evm_result answer42(ldg_vm_frame *f, const ldg_evm_message *msg)
{
    ck_assert_ptr_nonnull(ldg_vm_frame_txctx(f));
    ldg_evm_result r = {.status = LDG_EVM_SUCCESS, .gas_left = msg->gas - 10};
    r.output_data = calloc(1, 32);
    ck_assert_ptr_nonnull(r.output_data);
    r.output_data[31] = 42;
    r.output_size = 32;
    return r;
}

START_TEST(test_registered_precompile)
{
    ldg_vm_precompile_register(0x01fe, answer42);
    static const uint8_t code[] = {
        0x60, 0x20, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60,
        0x00, 0x61, 0x01, 0xfe, 0x5a, 0xf1, 0x60, 0x02, 0x55, /* slot 2 = success of 0x1fe */
        0x60, 0x00, 0x51, 0x60, 0x00, 0x55,                   /* slot 0 = its answer */
        0x60, 0x20, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60,
        0x00, 0x61, 0x01, 0xff, 0x61, 0x27, 0x10, 0xf1, /* gas 10000 */
        0x60, 0x05, 0x01, 0x60, 0x01, 0x55, 0x00};      /* slot 1 = 5 + success */
    ldg_evm_address a = deploy(&k_deployer, code, sizeof code);
    ldg_receipt rc = call(&k_plain, &a, NULL, 0, 1000000, NULL);
    ck_assert_msg(rc.code == LDG_R_OK, "%s %s", ldg_result_name(rc.code), rc.detail);
    ck_assert_uint_eq(slot_u64(&a, 2), 1);
    ck_assert_uint_eq(slot_u64(&a, 0), 42);
    ck_assert_uint_eq(slot_u64(&a, 1), 5);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vm_ledger");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_deploy_and_call);
    tcase_add_test(t, test_code_gate);
    tcase_add_test(t, test_revert_leaves_nothing);
    tcase_add_test(t, test_bad_code);
    tcase_add_test(t, test_bad_requests);
    tcase_add_test(t, test_query_changes_nothing);
    tcase_add_test(t, test_precompile_balance_transfer);
    tcase_add_test(t, test_compliance_hook);
    tcase_add_test(t, test_native_move_in_reverted_frame);
    tcase_add_test(t, test_revert_reason);
    tcase_add_test(t, test_many_callees_keep_caller_code);
    tcase_add_test(t, test_registered_precompile);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
