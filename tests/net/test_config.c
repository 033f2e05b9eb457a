/* Unit tests for the node's config reader (net_ini.c, net_home.c): lines of any length
 * (inih cut them at 199 characters), a 20-validator testnet's config read back whole, and
 * every malformed or unknown line refused with its line number. Also net_file_write and
 * net_dir_private: no writing through a planted symlink. */
#include "testlib.h"

#include "net_testnet.h"
#include "net_file.h"
#include "net_home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOME "/h"

static net_config cfg;
static char err[1024];

static ldg_err parse(const char *text)
{
    err[0] = '\0';
    return net_config_parse(text, strlen(text), HOME, &cfg, err, sizeof err);
}

/* The text fails, and err starts with "line N: " and contains `what`. */
static void refused(const char *text, unsigned line, const char *what)
{
    ck_assert_msg(parse(text) == LDG_ERR_INVALID, "accepted: %s", text);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %u: ", line);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "'%s' does not start with '%s'", err,
                  prefix);
    ck_assert_msg(strstr(err, what) != NULL, "'%s' does not say '%s'", err, what);
}

START_TEST(test_defaults_and_values)
{
    ck_assert_int_eq(parse(""), LDG_OK);
    ck_assert_str_eq(cfg.rpc_url, "ipc://" HOME "/node.sock");
    ck_assert_str_eq(cfg.validator_key, "operator");
    ck_assert(cfg.p2p_tls);
    ck_assert_int_eq(parse("# c\n; c\n\n[node]\r\n chain_id =  x-1 \r\nrpc_threads=7\n"
                           "[p2p]\ntls = off\n[consensus]\nvote_timeout_ms = 50\n"
                           "[tls]\nca = tls/ca.crt\ncert = /abs/c.crt\n"),
                     LDG_OK);
    ck_assert_str_eq(cfg.chain_id, "x-1");
    ck_assert_int_eq(cfg.rpc_threads, 7);
    ck_assert(!cfg.p2p_tls);
    ck_assert_int_eq(cfg.vote_timeout_ms, 50);
    ck_assert_str_eq(cfg.tls_ca, HOME "/tls/ca.crt");
    ck_assert_str_eq(cfg.tls_cert, "/abs/c.crt");
}
END_TEST

START_TEST(test_long_lines_whole)
{
    /* 120 peers: a 1,900-byte line, read to its last byte. */
    char text[4096] = "[p2p]\npeers = ";
    for (int i = 0; i < 120; i++) {
        size_t l = strlen(text);
        snprintf(text + l, sizeof text - l, "%s10.0.0.1:%d", i ? "," : "", 20000 + i);
    }
    strcat(text, "\nlisten = 127.0.0.1:7000\n");
    ck_assert_int_eq(parse(text), LDG_OK);
    ck_assert_uint_gt(strlen(cfg.p2p_peers), 1700);
    ck_assert_ptr_nonnull(strstr(cfg.p2p_peers, "10.0.0.1:20119"));
    ck_assert_str_eq(cfg.p2p_listen, "127.0.0.1:7000");
    /* Longer than the field: refused, not cut. */
    char big[8192] = "[node]\nchain_id = ok\n[p2p]\npeers = ";
    size_t l = strlen(big);
    memset(big + l, 'a', 3000);
    big[l + 3000] = '\0';
    refused(big, 4, "longer than");
}
END_TEST

START_TEST(test_bad_lines_refused_with_line)
{
    refused("[node]\nchain_id = a\n[nodes]\n", 3, "unknown section [nodes]");
    refused("[node]\nchain_id = a\nchainid = b\n", 3, "unknown key chainid in [node]");
    refused("chain_id = a\n", 1, "outside any [section]");
    refused("[node\n", 1, "']'");
    refused("[node]\njust words\n", 2, "expected 'key = value'");
    refused("[node]\nrpc_threads = 0\n", 2, "rpc_threads must be a whole number from 1 to 64");
    refused("[node]\nrpc_threads = 4x\n", 2, "whole number");
    refused("[node]\nrpc_threads = 99999999999999999999\n", 2, "whole number");
    refused("[node]\nrpc_threads =\n", 2, "whole number");
    refused("[p2p]\ntls = maybe\n", 2, "on or off");
    refused("[node]\nrpc = a\nrpc = b\n", 3, "set twice");
    refused("[node]\nchain id = a\n", 2, "letters, digits");
    refused("[node]\n\x01 = a\n", 2, "control character");
    refused("[node]\nchain_id = a\tb\x7f\x1b\n", 2, "control character");
    static const char nul[] = "[node]\nchain_id = a\0b\n";
    ck_assert_int_eq(net_config_parse(nul, sizeof nul - 1, HOME, &cfg, err, sizeof err),
                     LDG_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "line 2: "));
}
END_TEST

START_TEST(test_testnet_20_validators)
{
    char dir[PATH_MAX];
    tl_tmpdir(dir, "cfg");
    char net[PATH_MAX + 8];
    snprintf(net, sizeof net, "%s/net", dir);
    net_testnet_opts o = {.dir = net, .validators = 20, .base_port = 30000, .tls = false};
    ck_assert_int_eq(net_testnet_init(&o, err, sizeof err), LDG_OK);
    char home[PATH_MAX + 16];
    snprintf(home, sizeof home, "%s/node0", net);
    ck_assert_msg(net_config_load(home, &cfg, err, sizeof err) == LDG_OK, "%s", err);
    /* node0's peers: the 19 others, the last one whole. */
    unsigned commas = 0;
    for (const char *p = cfg.p2p_peers; *p; p++)
        commas += *p == ',';
    ck_assert_uint_eq(commas, 18);
    size_t n = strlen(cfg.p2p_peers);
    ck_assert_str_eq(cfg.p2p_peers + n - strlen("127.0.0.1:30190"), "127.0.0.1:30190");
    tl_rmrf(dir);
}
END_TEST

START_TEST(test_file_write_no_symlink)
{
    char dir[PATH_MAX];
    tl_tmpdir(dir, "file");
    char target[PATH_MAX + 16], link_path[PATH_MAX + 16], tmp_link[PATH_MAX + 32];
    snprintf(target, sizeof target, "%s/target", dir);
    snprintf(link_path, sizeof link_path, "%s/out", dir);
    snprintf(tmp_link, sizeof tmp_link, "%s/out.tmp", dir);
    ck_assert_int_eq(symlink(target, link_path), 0);
    ck_assert_int_eq(symlink(target, tmp_link), 0);
    /* Create-only refuses a symlink at the destination and writes nothing through it. */
    ck_assert_int_eq(net_file_write(link_path, "s", 1, 0600, NET_FILE_CREATE, err, sizeof err),
                     LDG_ERR_EXISTS);
    ck_assert_int_ne(access(target, F_OK), 0);
    /* Replace swaps the symlink itself for a regular file. */
    ck_assert_int_eq(net_file_write(link_path, "hello", 5, 0600, NET_FILE_REPLACE, err, sizeof err),
                     LDG_OK);
    ck_assert_int_ne(access(target, F_OK), 0);
    struct stat st;
    ck_assert_int_eq(lstat(link_path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, 5);
    /* A directory others can write is not private; a symlink is not a directory. */
    char pub[PATH_MAX + 16];
    snprintf(pub, sizeof pub, "%s/pub", dir);
    ck_assert_int_eq(mkdir(pub, 0700), 0);
    ck_assert_int_eq(chmod(pub, 0777), 0);
    ck_assert_int_eq(net_dir_private(pub, err, sizeof err), LDG_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "can be written by other users"));
    ck_assert_int_eq(net_dir_private(link_path, err, sizeof err), LDG_ERR_INVALID);
    tl_rmrf(dir);
}
END_TEST

/* [client] (specs/home.md §5): the default signer is a key name, the genesis hash 64 hex
 * digits; a home with a genesis hash is a client home. */
/* [evidence] (specs/home.md, specs/evidence.md §2.4): mirrors, the attesting key, the sync
 * period, copies required and retention, each checked. */
START_TEST(test_evidence_section)
{
    ck_assert_int_eq(parse(""), LDG_OK);
    ck_assert_str_eq(cfg.ev_mirrors, "");
    ck_assert_int_eq(cfg.ev_replicate_every_s, 10);
    ck_assert_int_eq(cfg.ev_copies_required, 0);
    ck_assert_int_eq(cfg.ev_retention_days, 0);
    ck_assert_int_eq(parse("[evidence]\nmirrors = tcp://10.0.0.2:7700, ipc:///m/node.sock\n"
                           "attest_as = keeper\nreplicate_every_s = 30\ncopies_required = 2\n"
                           "retention_days = 1825\n"),
                     LDG_OK);
    ck_assert_str_eq(cfg.ev_mirrors, "tcp://10.0.0.2:7700, ipc:///m/node.sock");
    ck_assert_str_eq(cfg.ev_attest_as, "keeper");
    ck_assert_int_eq(cfg.ev_replicate_every_s, 30);
    ck_assert_int_eq(cfg.ev_copies_required, 2);
    ck_assert_int_eq(cfg.ev_retention_days, 1825);
    ck_assert_str_eq(cfg.ev_attest_pass_file, "");
    ck_assert_int_eq(parse("[evidence]\nattest_passphrase_file = keeper.pass\n"), LDG_OK);
    ck_assert_str_eq(cfg.ev_attest_pass_file, HOME "/keeper.pass"); /* relative to HOME */
    ck_assert_int_eq(parse("[evidence]\nattest_passphrase_file = /etc/folio/pass\n"), LDG_OK);
    ck_assert_str_eq(cfg.ev_attest_pass_file, "/etc/folio/pass");
    refused("[evidence]\nreplicate_every_s = 0\n", 2, "from 1 to 86400");
    refused("[evidence]\ncopies_required = -1\n", 2, "from 0 to 1000");
    refused("[evidence]\nretention = 5\n", 2, "unknown key retention in [evidence]");
    ck_assert_int_eq(parse("[evidence]\nattest_as = ../k\n"), LDG_ERR_INVALID);
    ck_assert(strstr(err, "key name") != NULL);
}
END_TEST

START_TEST(test_client_section)
{
    ck_assert_int_eq(parse("[node]\nchain_id = a\n"), LDG_OK);
    ck_assert(!net_config_client_home(&cfg));
    ck_assert_str_eq(cfg.client_as, "");
    char text[512];
    snprintf(text, sizeof text, "[client]\nas = broker-a\ngenesis_hash = %064d\n", 7);
    ck_assert_int_eq(parse(text), LDG_OK);
    ck_assert_str_eq(cfg.client_as, "broker-a");
    ck_assert(net_config_client_home(&cfg));
    ck_assert_int_eq(parse("[client]\nas = ../operator\n"), LDG_ERR_INVALID);
    ck_assert(strstr(err, "key name") != NULL);
    ck_assert_int_eq(parse("[client]\ngenesis_hash = 12ab\n"), LDG_ERR_INVALID);
    ck_assert(strstr(err, "64 hex") != NULL);
    refused("[client]\nsigner = x\n", 2, "unknown key signer in [client]");
}
END_TEST

/* [host] chains (home.md §7): names as key names, distinct, not . or .., at most
 * NET_HOST_CHAINS_MAX; [host] relay_key a key name; [test] fault_equivocate_at a number. */
START_TEST(test_host_section)
{
    ck_assert_int_eq(parse(""), LDG_OK);
    ck_assert_str_eq(cfg.host_chains, "");
    ck_assert_str_eq(cfg.host_relay_key, "operator");
    ck_assert_int_eq(cfg.test_fault_equivocate_at, 0);
    ck_assert_int_eq(parse("[host]\nchains = securities, evidence\nrelay_key = relayer\n"
                           "[test]\nfault_equivocate_at = 7\n"),
                     LDG_OK);
    char names[NET_HOST_CHAINS_MAX][NET_KEY_NAME_MAX + 1];
    ck_assert_uint_eq(net_config_host_chains(&cfg, names, NET_HOST_CHAINS_MAX), 2);
    ck_assert_str_eq(names[0], "securities");
    ck_assert_str_eq(names[1], "evidence");
    ck_assert_str_eq(cfg.host_relay_key, "relayer");
    ck_assert_int_eq(cfg.test_fault_equivocate_at, 7);
    static const char *const bad[] = {"[host]\nchains = a,,b\n",
                                      "[host]\nchains = a,a\n",
                                      "[host]\nchains = ..\n",
                                      "[host]\nchains = a/b\n",
                                      "[host]\nchains = a,\n",
                                      "[host]\nchains = ,\n",
                                      "[host]\nchains = 1,2,3,4,5,6,7,8,9\n",
                                      "[host]\nrelay_key = ../k\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(parse(bad[i]) == LDG_ERR_INVALID, "accepted: %s", bad[i]);
        ck_assert_msg(strstr(err, "[host]") != NULL, "'%s' does not name [host]", err);
    }
    refused("[test]\nfault_equivocate_at = -1\n", 2, "fault_equivocate_at");
}
END_TEST

/* A consortium: member homes hosting the sub-chains, each chain its own id, genesis,
 * ports; consortium.ini with the chain.create payloads; bad shapes refused. */
START_TEST(test_testnet_consortium)
{
    char dir[PATH_MAX];
    tl_tmpdir(dir, "cons");
    char net[PATH_MAX + 8];
    snprintf(net, sizeof net, "%s/net", dir);
    net_testnet_sub subs[2] = {{"securities", 4}, {"evidence", 2}};
    net_testnet_opts o = {.dir = net,
                          .validators = 4,
                          .base_port = 30000,
                          .tls = false,
                          .subs = subs,
                          .sub_count = 2,
                          .period_ms = 5000};
    ck_assert_msg(net_testnet_init(&o, err, sizeof err) == LDG_OK, "%s", err);
    char home[PATH_MAX + 64];
    net_config sec, ev, mainc;
    snprintf(home, sizeof home, "%s/node3", net);
    ck_assert_msg(net_config_load(home, &mainc, err, sizeof err) == LDG_OK, "%s", err);
    ck_assert_str_eq(mainc.host_chains, "securities,evidence");
    ck_assert_str_eq(mainc.rpc_url, "tcp://127.0.0.1:30039");
    snprintf(home, sizeof home, "%s/node3/chains/securities", net);
    ck_assert_msg(net_config_load(home, &sec, err, sizeof err) == LDG_OK, "%s", err);
    ck_assert_str_eq(sec.rpc_url, "tcp://127.0.0.1:30079"); /* chain 1, member 3 */
    ck_assert_str_eq(sec.host_chains, "");
    ck_assert_str_ne(sec.chain_id, mainc.chain_id);
    ck_assert(strlen(sec.chain_id) <= LDG_CHAIN_ID_LEN_MAX);
    ldg_genesis *g = malloc(sizeof *g);
    ck_assert_int_eq(net_genesis_load(home, g), LDG_OK);
    ck_assert_uint_eq(g->validator_count, 4);
    /* evidence: members 0 and 1 only */
    snprintf(home, sizeof home, "%s/node1/chains/evidence", net);
    ck_assert_msg(net_config_load(home, &ev, err, sizeof err) == LDG_OK, "%s", err);
    ck_assert_int_eq(net_genesis_load(home, g), LDG_OK);
    ck_assert_uint_eq(g->validator_count, 2);
    snprintf(home, sizeof home, "%s/node2/chains/evidence/config.ini", net);
    ck_assert(access(home, F_OK) != 0);
    /* the main genesis: the relayers and the sub-chains' accounts are participants */
    snprintf(home, sizeof home, "%s/node0", net);
    ck_assert_int_eq(net_genesis_load(home, g), LDG_OK);
    ck_assert_uint_eq(g->participant_count, 1 + 4 + 3 + 2);
    free(g);
    snprintf(home, sizeof home, "%s/consortium.ini", net);
    FILE *f = fopen(home, "r");
    ck_assert_ptr_nonnull(f);
    char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "[sub securities]"));
    ck_assert_ptr_nonnull(strstr(text, "create_payload = 97aa7365637572697469657"));
    /* refused: more validators than members, a bad id, a name twice, a short period */
    char net2[PATH_MAX + 8];
    snprintf(net2, sizeof net2, "%s/net2", dir);
    o.dir = net2;
    net_testnet_sub bad1[1] = {{"big", 5}}, bad2[1] = {{"Bad_Id", 2}},
                    bad3[2] = {{"a", 2}, {"a", 2}};
    const net_testnet_sub *bads[] = {bad1, bad2, bad3};
    uint32_t counts[] = {1, 1, 2};
    for (int i = 0; i < 3; i++) {
        o.subs = bads[i];
        o.sub_count = counts[i];
        ck_assert_int_eq(net_testnet_init(&o, err, sizeof err), LDG_ERR_INVALID);
    }
    o.subs = subs;
    o.sub_count = 1;
    o.period_ms = 999;
    ck_assert_int_eq(net_testnet_init(&o, err, sizeof err), LDG_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "--period"));
    snprintf(home, sizeof home, "%s/node0", net2);
    ck_assert(access(home, F_OK) != 0); /* nothing written */
    /* period 0 (no --period): the payloads carry 0, the governed default (chains.md §4.1) */
    o.period_ms = 0;
    ck_assert_msg(net_testnet_init(&o, err, sizeof err) == LDG_OK, "%s", err);
    snprintf(home, sizeof home, "%s/consortium.ini", net2);
    f = fopen(home, "r");
    ck_assert_ptr_nonnull(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "period_ms = 0\n"));
    tl_rmrf(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_defaults_and_values);
    tcase_add_test(tc, test_long_lines_whole);
    tcase_add_test(tc, test_bad_lines_refused_with_line);
    tcase_add_test(tc, test_testnet_20_validators);
    tcase_add_test(tc, test_file_write_no_symlink);
    tcase_add_test(tc, test_client_section);
    tcase_add_test(tc, test_host_section);
    tcase_add_test(tc, test_testnet_consortium);
    tcase_add_test(tc, test_evidence_section);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
