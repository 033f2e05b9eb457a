/* The node's evidence sync thread (net_evsync.h). */
#include "net_evsync.h"

#include "net_log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Waits for the child, ending it if the node stops meanwhile. */
static int wait_child(net_node *n, pid_t pid)
{
    int st = 0;
    for (bool killed = false;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return r == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (!killed && atomic_load(&n->stopping)) {
            kill(pid, SIGTERM);
            killed = true;
        }
        usleep(50 * 1000);
    }
}

/* One pass: `folio evidence sync --home HOME [--as KEY]`, output to evidence-sync.log. */
static void run_pass(net_node *n)
{
    char exe[NET_PATH_MAX], logp[NET_PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l <= 0)
        return;
    exe[l] = '\0';
    net_home_path(logp, n->home, "evidence-sync.log");
    char *argv[8] = {exe, "evidence", "sync", "--home", n->home, NULL, NULL, NULL};
    if (n->cfg.ev_attest_as[0])
        argv[5] = "--as", argv[6] = n->cfg.ev_attest_as;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int e = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        net_log(NET_LOG_WARN, "evidence sync: cannot start %s: %s", exe, strerror(e));
        return;
    }
    int rc = wait_child(n, pid);
    if (rc != 0 && !atomic_load(&n->stopping))
        net_log(NET_LOG_WARN, "evidence sync: a pass ended with exit %d (evidence-sync.log)", rc);
}

static void *evsync_thread(void *arg)
{
    net_node *n = arg;
    while (!atomic_load(&n->stopping)) {
        for (int t = 0; t < n->cfg.ev_replicate_every_s * 10 && !atomic_load(&n->stopping); t++)
            usleep(100 * 1000);
        if (!atomic_load(&n->stopping))
            run_pass(n);
    }
    return NULL;
}

bool net_evsync_start(net_node *n)
{
    if (!n->cfg.ev_mirrors[0] && n->cfg.ev_retention_days == 0)
        return true;
    if (net_thread_create(&n->evsync, evsync_thread, n) != 0)
        return false;
    n->evsync_started = true;
    net_log(NET_LOG_INFO, "evidence sync every %d s (mirrors: %s; retention: %d days)",
            n->cfg.ev_replicate_every_s, n->cfg.ev_mirrors[0] ? n->cfg.ev_mirrors : "none",
            n->cfg.ev_retention_days);
    return true;
}

void net_evsync_stop(net_node *n)
{
    if (n->evsync_started)
        pthread_join(n->evsync, NULL);
    n->evsync_started = false;
}
