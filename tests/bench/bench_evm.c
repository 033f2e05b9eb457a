/* EVM benchmark: compute-heavy programs on folio's interpreter, each next to native C doing
 * the same computation in the same run. One line per program: gas per run, time per run,
 * Mgas/s, native time per run and the slowdown ratio (EVM time / native time).
 *   bench_evm [SECONDS_PER_MEASUREMENT]   (default 0.3; FOLIO_SRC locates tests/bench/evm)
 * Programs: an arithmetic loop (MUL/ADD/XOR on 256-bit words), a Keccak-256 hash chain,
 * and SHA-1 written in Solidity (tests/bench/evm/Sha1.sol, solc 0.8.26, cancun) against
 * OpenSSL's SHA-1. Results are checked against the native ones before timing. */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldg_evm.h"
#include "ldg_evm_state.h"
#include "ldg_keccak.h"

#define ARITH_ITERATIONS 1000000
#define KECCAK_ITERATIONS 200000
#define SHA1_LEN 1024
#define SHA1_ROUNDS 20

static const ldg_evm_address bench_contract = {{[19] = 0xcc}};
static const ldg_evm_address bench_caller = {{[19] = 0xaa}};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct evm_program {
    const char *name;
    uint8_t *code;
    size_t code_size;
    uint8_t input[68];
    size_t input_size;
} evm_program;

/* One execution in a fresh world; returns gas used and copies up to 32 output bytes. */
static int64_t evm_run(const evm_program *p, const ldg_evm_code *code, uint8_t out[32])
{
    ldg_evm_world *w = ldg_evm_world_new();
    if (!w ||
        !ldg_evm_world_set_account(w, &bench_contract, 1, ldg_u256_zero(), p->code, p->code_size)) {
        fprintf(stderr, "bench_evm: out of memory\n");
        exit(1);
    }
    const int64_t gas = 1000000000;
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = gas,
                         .recipient = bench_contract,
                         .sender = bench_caller,
                         .code_address = bench_contract,
                         .input_data = p->input,
                         .input_size = p->input_size};
    ldg_evm_result r = ldg_evm_execute(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, code);
    if (r.status != LDG_EVM_SUCCESS || r.output_size < 32) {
        fprintf(stderr, "bench_evm: %s failed: %s\n", p->name, ldg_evm_status_name(r.status));
        exit(1);
    }
    memcpy(out, r.output_data, 32);
    ldg_evm_result_release(&r);
    ldg_evm_world_free(w);
    return gas - r.gas_left;
}

/* ---- the programs ---- */

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
    uint8_t *c = malloc(n);
    if (!c)
        exit(1);
    memcpy(c, b, n);
    return c;
}

/* x = seed; for i = N..1: x = (x*x + 7) ^ i; return x */
static evm_program arith_program(void)
{
    uint8_t c[] = {0x7f,
                   [1 ... 32] = 0x5a, /* PUSH32 seed */
                   0x62,
                   (ARITH_ITERATIONS >> 16) & 0xff, /* PUSH3 N */
                   (ARITH_ITERATIONS >> 8) & 0xff,
                   ARITH_ITERATIONS & 0xff,
                   0x5b, /* 37: JUMPDEST */
                   0x90,
                   0x80,
                   0x02,
                   0x60,
                   0x07,
                   0x01, /* SWAP1 DUP1 MUL PUSH1 7 ADD */
                   0x81,
                   0x18,
                   0x90, /* DUP2 XOR SWAP1 */
                   0x60,
                   0x01,
                   0x90,
                   0x03, /* PUSH1 1 SWAP1 SUB */
                   0x80,
                   0x60,
                   37,
                   0x57, /* DUP1 PUSH1 37 JUMPI */
                   0x50,
                   0x5f,
                   0x52,
                   0x60,
                   0x20,
                   0x5f,
                   0xf3}; /* POP PUSH0 MSTORE RETURN */
    return (evm_program){
        .name = "arith-loop", .code = dup_bytes(c, sizeof c), .code_size = sizeof c};
}

static void arith_native(uint8_t out[32])
{
    uint8_t seed[32];
    memset(seed, 0x5a, 32);
    ldg_u256 x = ldg_u256_from_be(seed), seven = ldg_u256_from_u64(7);
    for (uint64_t i = ARITH_ITERATIONS; i > 0; i--)
        x = ldg_u256_xor(ldg_u256_add(ldg_u256_mul(x, x), seven), ldg_u256_from_u64(i));
    ldg_u256_to_be(out, x);
}

/* m[0..32] = seed; N times: m[0..32] = keccak256(m[0..32]); return m[0..32] */
static evm_program keccak_program(void)
{
    uint8_t c[] = {0x7f,
                   [1 ... 32] = 0x11,
                   0x5f,
                   0x52, /* PUSH32 seed PUSH0 MSTORE */
                   0x62,
                   (KECCAK_ITERATIONS >> 16) & 0xff,
                   (KECCAK_ITERATIONS >> 8) & 0xff,
                   KECCAK_ITERATIONS & 0xff, /* PUSH3 N */
                   0x5b,                     /* 39: JUMPDEST */
                   0x60,
                   0x20,
                   0x5f,
                   0x20,
                   0x5f,
                   0x52, /* PUSH1 32 PUSH0 KECCAK256 PUSH0 MSTORE */
                   0x60,
                   0x01,
                   0x90,
                   0x03, /* PUSH1 1 SWAP1 SUB */
                   0x80,
                   0x60,
                   39,
                   0x57, /* DUP1 PUSH1 39 JUMPI */
                   0x50,
                   0x60,
                   0x20,
                   0x5f,
                   0xf3}; /* POP PUSH1 32 PUSH0 RETURN */
    return (evm_program){
        .name = "keccak-chain", .code = dup_bytes(c, sizeof c), .code_size = sizeof c};
}

static void keccak_native(uint8_t out[32])
{
    uint8_t h[32];
    memset(h, 0x11, 32);
    for (int i = 0; i < KECCAK_ITERATIONS; i++)
        ldg_keccak256(h, h, 32);
    memcpy(out, h, 32);
}

static int hexv(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool sha1_program(evm_program *p)
{
    const char *src = getenv("FOLIO_SRC");
    char path[4096];
    if (src)
        snprintf(path, sizeof path, "%s/tests/bench/evm/Sha1.bin-runtime", src);
    else /* __FILE__ is absolute in CMake builds */
        snprintf(path, sizeof path, "%.*s/evm/Sha1.bin-runtime",
                 (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_evm: cannot open %s (set FOLIO_SRC); skipping sha1-solidity\n",
                path);
        return false;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *code = malloc(cap);
    int hi = -1, ch;
    while (code && (ch = fgetc(f)) != EOF && n < cap) {
        int v = hexv(ch);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            code[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    fclose(f);
    /* bench(uint256 len, uint256 rounds) */
    *p = (evm_program){.name = "sha1-solidity", .code = code, .code_size = n, .input_size = 68};
    const uint8_t sel[4] = {0xdd, 0xff, 0x03, 0x19};
    memcpy(p->input, sel, 4);
    ldg_u256_to_be(p->input + 4, ldg_u256_from_u64(SHA1_LEN));
    ldg_u256_to_be(p->input + 36, ldg_u256_from_u64(SHA1_ROUNDS));
    return code != NULL;
}

static void sha1_native(uint8_t out[32])
{
    uint8_t d[SHA1_LEN], h[SHA_DIGEST_LENGTH] = {0};
    for (int i = 0; i < SHA1_LEN; i++)
        d[i] = (uint8_t)(i % 251);
    for (int r = 0; r < SHA1_ROUNDS; r++) {
        SHA1(d, sizeof d, h);
        d[0] = h[0];
    }
    memset(out, 0, 32);
    memcpy(out, h, SHA_DIGEST_LENGTH); /* bytes20 is left-aligned in the ABI word */
}

/* ---- measurement ---- */

static void bench_one(const evm_program *p, void (*native)(uint8_t out[32]), double budget_s)
{
    ldg_evm_code *code = ldg_evm_code_analyze(p->code, p->code_size);
    if (!code)
        exit(1);
    uint8_t evm_out[32], nat_out[32];
    int64_t gas = evm_run(p, code, evm_out);
    native(nat_out);
    if (memcmp(evm_out, nat_out, 32)) {
        fprintf(stderr, "bench_evm: %s: EVM result differs from native\n", p->name);
        exit(1);
    }
    unsigned evm_runs = 0, nat_runs = 0;
    double t0 = now_s(), t;
    do {
        evm_run(p, code, evm_out);
        evm_runs++;
    } while ((t = now_s() - t0) < budget_s);
    double evm_s = t / evm_runs;
    t0 = now_s();
    do {
        native(nat_out);
        nat_runs++;
    } while ((t = now_s() - t0) < budget_s);
    double nat_s = t / nat_runs;
    printf("%-14s gas/run %10lld  evm %9.3f ms/run  %8.1f Mgas/s  native %8.3f ms/run  "
           "ratio %6.1fx\n",
           p->name, (long long)gas, evm_s * 1e3, (double)gas / evm_s / 1e6, nat_s * 1e3,
           evm_s / nat_s);
    ldg_evm_code_free(code);
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? strtod(argv[1], NULL) : 0.3;
    if (!(budget > 0))
        budget = 0.3;
    evm_program arith = arith_program(), keccak = keccak_program(), sha1;
    bench_one(&arith, arith_native, budget);
    bench_one(&keccak, keccak_native, budget);
    free(arith.code);
    free(keccak.code);
    if (sha1_program(&sha1)) {
        bench_one(&sha1, sha1_native, budget);
        free(sha1.code);
    }
    return 0;
}
