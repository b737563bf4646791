// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwdd: the member's long-lived daemon. Serves the management API
 * (docs/api.md) and runs the cluster-sync agent (docs/sync.md) on the data
 * path pinned under the pin root until SIGTERM or SIGINT; in ha-sync mode
 * the agent runs the segment controller (docs/ha-sync.md).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "agent.h"
#include "api.h"
#include "config.h"
#include "log.h"
#include "pinned.h"
#include "version.h"

/* Set once by the main thread, read by the API's threads. */
static struct sync_agent *agent;

static struct sync_agent *agent_get(void)
{
	return __atomic_load_n(&agent, __ATOMIC_ACQUIRE);
}

/* Every table change made through the API goes to the peers. */
static void on_changed(void *ctx, const struct ikefwd_key *key, bool deleted)
{
	sync_announce(agent_get(), key, deleted ? SYNC_OP_DEL : SYNC_OP_SET);
}

/* And every SA registration. */
static void on_sa_changed(void *ctx, uint32_t spi, bool deleted)
{
	sync_announce_sa(agent_get(), spi,
			 deleted ? SYNC_OP_SA_DEL : SYNC_OP_SA_SET);
}

/* And every remote selector registration. */
static void on_ts_changed(void *ctx, const struct ikefwd_prefix *p,
			  uint32_t owner, bool deleted)
{
	sync_announce_ts(agent_get(), p, owner,
			 deleted ? SYNC_OP_TS_DEL : SYNC_OP_TS_SET);
}

/* And every IKE SA registration removed (registrations are table
 * changes: on_changed). */
static void on_ike_unregistered(void *ctx, const struct ikefwd_key *key,
				uint32_t owner)
{
	sync_announce_unregister(agent_get(), key, owner);
}

static size_t sync_counters(void *ctx, const char **names, uint64_t *values,
			    size_t max)
{
	return sync_stats_list(agent_get(), names, values, max);
}

/* ha-sync: the segment controller runs in the agent. */
static bool ha_status(void *ctx, struct ha_status *st)
{
	return sync_ha_status(agent_get(), st);
}

/* Starts the agent once the data path is pinned (ikefwd attach may come
 * after the daemon). Returns true when it runs, or will never run. */
static bool try_start_sync(const struct ikefwd_cfg *cfg, const char *pin_root,
			   bool *warned)
{
	struct sync_agent *a;
	char msg[512];
	int err;

	if (!cfg->sync.key_file[0]) {
		/* Nobody would move segments: the controller needs the
		 * agent's liveness. */
		if (cfg->mode == IKEFWD_MODE_HA_SYNC)
			pr_warn("ikefwdd: mode ha-sync without [sync] "
				"key_file: no segment controller\n");
		return true;
	}
	err = sync_agent_start(&a, cfg, pin_root, msg, sizeof(msg));
	if (!err) {
		__atomic_store_n(&agent, a, __ATOMIC_RELEASE);
		pr_info("ikefwdd: sync on %s port %u\n", cfg->sync.listen.text,
			cfg->sync.port);
		return true;
	}
	if (!*warned)
		pr_warn("ikefwdd: sync: %s%s\n", msg,
			err == -ENOENT ? " (retrying every second)" : "");
	*warned = true;
	return err != -ENOENT;
}

static const char usage[] =
	"usage: ikefwdd --config FILE [--pin-root DIR] [-v]\n"
	"       ikefwdd --version\n"
	"\n"
	"  --config FILE   the cluster configuration (docs/config.md)\n"
	"  --pin-root DIR  where the data path is pinned (default\n"
	"                  $IKEFWD_PIN_ROOT, else /sys/fs/bpf/ikefwd)\n"
	"  -v              more detail; twice for library debug output\n";

/* Says so when the data path is not there yet: the API answers 503 until
 * ikefwd attach pins it, which may well come later. */
static void check_pinned(const char *pin_root)
{
	struct ikefwd_maps m;
	char msg[512];

	if (ikefwd_maps_open(pin_root, &m, msg, sizeof(msg))) {
		pr_warn("ikefwdd: %s\n", msg);
		return;
	}
	ikefwd_maps_close(&m);
}

/* The API's listen address is loopback unless configured otherwise: a
 * wider one without a token lets anyone who reaches it change the table. */
static void check_exposure(const struct ikefwd_api_cfg *api)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t loop6[16] = { [15] = 1 };
	bool loopback = !memcmp(api->listen.addr, loop6, 16) ||
			(!memcmp(api->listen.addr, v4mapped, 12) &&
			 api->listen.addr[12] == 127);

	if (!loopback && !api->token_file[0])
		pr_warn("ikefwdd: the API listens on %s without token_file: "
			"anyone who reaches it can change the table\n",
			api->listen.text);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *config = NULL, *pin_root_arg = NULL, *pin_root;
	int verbosity = LOG_INFO, c, sig;
	bool sync_done, sync_warned = false;
	struct api_server *api;
	struct ikefwd_cfg cfg;
	struct api_opts o = {};
	char msg[512];
	sigset_t stop;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'p':
			pin_root_arg = optarg;
			break;
		case 'v':
			verbosity++;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			ikefwd_print_version("ikefwdd");
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!config || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	log_set_level(verbosity > LOG_TRACE ? LOG_TRACE : verbosity);
	log_hook_libraries();

	if (ikefwd_cfg_load(config, &cfg, msg, sizeof(msg))) {
		pr_warn("ikefwdd: %s\n", msg);
		return 1;
	}
	pin_root = ikefwd_pin_root(pin_root_arg);
	check_pinned(pin_root);
	check_exposure(&cfg.api);

	/* Blocked before any thread starts, so that every thread inherits
	 * the mask and the signals wait for sigwait() below. A peer that
	 * closes mid-response must not kill the daemon either. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	o.cfg = &cfg.api;
	o.pin_root = pin_root;
	o.changed = on_changed;
	o.sa_changed = on_sa_changed;
	o.ts_changed = on_ts_changed;
	o.ike_unregistered = on_ike_unregistered;
	o.sync_counters = sync_counters;
	o.ha_status = ha_status;
	if (api_start(&o, &api, msg, sizeof(msg))) {
		pr_warn("ikefwdd: %s\n", msg);
		return 1;
	}
	pr_info("ikefwdd: member %u, data path under %s, API on %s port %u%s%s\n",
		cfg.local_member, pin_root, cfg.api.listen.text, api_port(api),
		cfg.api.unix_socket[0] ? " and " : "", cfg.api.unix_socket);
	/* Type=notify: the API answers from now on. Without systemd
	 * (NOTIFY_SOCKET unset) this does nothing. */
	sd_notifyf(0, "READY=1\nSTATUS=member %u, API on %s port %u",
		   cfg.local_member, cfg.api.listen.text, api_port(api));

	sync_done = try_start_sync(&cfg, pin_root, &sync_warned);
	for (;;) {
		struct timespec second = { .tv_sec = 1 };

		sig = sigtimedwait(&stop, NULL, &second);
		if (sig > 0)
			break;
		if (!sync_done)
			sync_done =
				try_start_sync(&cfg, pin_root, &sync_warned);
	}
	pr_info("ikefwdd: %s: stopping\n", strsignal(sig));
	sd_notify(0, "STOPPING=1");
	api_stop(api);
	sync_agent_stop(agent_get());
	return 0;
}
