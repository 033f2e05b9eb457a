/* libFuzzer target for the config reader (net_ini.c, net_config_parse in net_home.c).
 *
 * Properties checked on every input, not just "no crash":
 * - a refusal names its line: err starts with "line N: " and N is at most the number of
 *   lines in the input;
 * - an accepted config has every number within its documented range and every text field
 *   NUL-terminated inside its buffer;
 * - the raw reader, with a callback that accepts everything, accepts exactly the inputs
 *   whose every line is blank, a comment, a [section] or a key = value inside a section,
 *   and calls back with keys of letters, digits and '_' only;
 * - reading never goes past `size` (ASan; the input is copied to an exact-size buffer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_home.h"
#include "net_ini.h"

static _Bool accept_all(void *arg, const char *section, const char *key, const char *value,
                        char *err, size_t err_len)
{
    (void)err;
    (void)err_len;
    LDG_ASSERT(section && *section);
    LDG_ASSERT((key == NULL) == (value == NULL));
    for (const char *k = key; k && *k; k++)
        LDG_ASSERT((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
                   (*k >= '0' && *k <= '9') || *k == '_');
    (*(unsigned *)arg)++;
    return 1;
}

static void check_line_number(const char *err, const char *s, size_t n)
{
    unsigned line = 0;
    LDG_ASSERT(sscanf(err, "line %u: ", &line) == 1);
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += s[i] == '\n';
    LDG_ASSERT(line >= 1 && line <= lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    char err[1024];
    unsigned calls = 0;
    if (net_ini_parse(s, size, accept_all, &calls, err, sizeof err) != LDG_OK)
        check_line_number(err, s, size);
    static net_config cfg;
    if (net_config_parse(s, size, "/h", &cfg, err, sizeof err) != LDG_OK) {
        if (strncmp(err, "line ", 5) == 0)
            check_line_number(err, s, size);
    } else {
        LDG_ASSERT(cfg.rpc_threads >= 1 && cfg.rpc_threads <= 64);
        LDG_ASSERT(cfg.verify_threads >= 1 && cfg.verify_threads <= 64);
        LDG_ASSERT(cfg.propose_timeout_ms >= 50 && cfg.propose_timeout_ms <= 60000);
        LDG_ASSERT(cfg.vote_timeout_ms >= 50 && cfg.vote_timeout_ms <= 60000);
        LDG_ASSERT(memchr(cfg.chain_id, 0, sizeof cfg.chain_id));
        LDG_ASSERT(memchr(cfg.rpc_url, 0, sizeof cfg.rpc_url));
        LDG_ASSERT(memchr(cfg.validator_key, 0, sizeof cfg.validator_key));
        LDG_ASSERT(memchr(cfg.p2p_listen, 0, sizeof cfg.p2p_listen));
        LDG_ASSERT(memchr(cfg.p2p_peers, 0, sizeof cfg.p2p_peers));
        LDG_ASSERT(memchr(cfg.tls_ca, 0, sizeof cfg.tls_ca));
        LDG_ASSERT(memchr(cfg.tls_cert, 0, sizeof cfg.tls_cert));
        LDG_ASSERT(memchr(cfg.tls_key, 0, sizeof cfg.tls_key));
        LDG_ASSERT(!cfg.client_as[0] || net_key_name_ok(cfg.client_as));
        LDG_ASSERT(!cfg.client_genesis[0] || strlen(cfg.client_genesis) == 64);
    }
    free(s);
    return 0;
}

/* Seeds for the standalone smoke driver: configs as folio init and testnet init write. */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    static const char *const seeds[] = {
        "# folio node configuration\n[node]\nchain_id = folio-1\n# rpc = tcp://127.0.0.1:7700\n"
        "validator_key = operator\nrpc_threads = 4\n",
        "[node]\nchain_id = t\nrpc = tcp://127.0.0.1:7709\nvalidator_key = validator\n\n[p2p]\n"
        "listen = 127.0.0.1:7000\npeers = 127.0.0.1:7010,127.0.0.1:7020\ntls = on\n\n[tls]\n"
        "ca = tls/ca.crt\ncert = tls/node.crt\nkey = tls/node.key\n\n[consensus]\n"
        "propose_timeout_ms = 700\nvote_timeout_ms = 300\n",
        "[node]\r\nverify_threads=2\r\n; c\r\n",
    };
    if (index >= LDG_ARRAY_LEN(seeds))
        return 0;
    size_t n = strlen(seeds[index]);
    if (n > cap)
        return 0;
    memcpy(out, seeds[index], n);
    return n;
}
