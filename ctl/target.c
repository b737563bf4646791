// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Which server ikefwdctl asks, and with which token (ctl.h): the command
 * line first, then the [api] section of the daemon's own configuration
 * file, so that on a gateway `ikefwdctl --config /etc/ikefwd.conf ...`
 * finds the daemon wherever it was told to listen.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"

/* The first line of path, without its line end, into t->token. */
static int read_token(const char *path, struct ctl_target *t, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		int ret = -errno;

		snprintf(err, errlen, "token file %s: %s", path,
			 strerror(errno));
		return ret;
	}
	if (!fgets(t->token, sizeof(t->token), f))
		t->token[0] = '\0';
	fclose(f);
	n = strcspn(t->token, "\r\n");
	if (n == sizeof(t->token) - 1) {
		explicit_bzero(t->token, sizeof(t->token));
		snprintf(err, errlen,
			 "token file %s: token longer than %zu "
			 "characters",
			 path, sizeof(t->token) - 2);
		return -EINVAL;
	}
	t->token[n] = '\0';
	return 0;
}

/* The URL of the daemon's TCP listener: a wildcard address is reached on
 * loopback, an IPv6 address in brackets. */
static void url_from_config(const struct ikefwd_api_cfg *api, char *url,
			    size_t len)
{
	const char *scheme = api->tls_cert[0] ? "https" : "http";
	const char *host = api->listen.text;

	if (api->listen.family == AF_INET6) {
		if (!strcmp(host, "::"))
			host = "::1";
		snprintf(url, len, "%s://[%s]:%u", scheme, host, api->port);
		return;
	}
	if (!strcmp(host, "0.0.0.0"))
		host = "127.0.0.1";
	snprintf(url, len, "%s://%s:%u", scheme, host, api->port);
}

/* --url as the server root: no trailing '/', and without the API's base
 * path if it was pasted whole. */
static void url_root(const char *given, char *url, size_t len)
{
	static const char base[] = "/api/v1/cluster/ike-forwarding";
	size_t n, b = strlen(base);

	snprintf(url, len, "%s", given);
	n = strlen(url);
	while (n && url[n - 1] == '/')
		url[--n] = '\0';
	if (n > b && !strcmp(url + n - b, base))
		url[n - b] = '\0';
}

int ctl_target_resolve(const struct ctl_opts *o, struct ctl_target *t,
		       char *err, size_t errlen)
{
	/* Large (paths of PATH_MAX): not on the stack. */
	static struct ikefwd_cfg cfg;
	const struct ikefwd_api_cfg *api = NULL;
	const char *token_file = o->token_file;
	int ret;

	memset(t, 0, sizeof(*t));
	t->timeout_ms = o->timeout_ms;
	t->insecure = o->insecure;
	if (o->config) {
		ret = ikefwd_cfg_load(o->config, &cfg, err, errlen);
		if (ret)
			return ret;
		api = &cfg.api;
	}

	if (o->url)
		url_root(o->url, t->url, sizeof(t->url));
	if (o->unix_socket)
		snprintf(t->unix_socket, sizeof(t->unix_socket), "%s",
			 o->unix_socket);
	if (!o->url && !o->unix_socket && api) {
		/* The unix socket, when there is one: it is there for
		 * local tools, and its permissions are its access control. */
		if (api->unix_socket[0])
			snprintf(t->unix_socket, sizeof(t->unix_socket), "%s",
				 api->unix_socket);
		else
			url_from_config(api, t->url, sizeof(t->url));
	}
	/* Over a unix socket only the scheme counts (and the Host header
	 * the server sees). */
	if (!t->url[0])
		snprintf(t->url, sizeof(t->url), "%s",
			 t->unix_socket[0] ? "http://localhost" :
					     CTL_DEFAULT_URL);

	/* The server's own certificate is the trust anchor of a
	 * self-signed setup; libcurl accepts a leaf as one. */
	if (o->cacert)
		snprintf(t->cacert, sizeof(t->cacert), "%s", o->cacert);
	else if (api && api->tls_cert[0] && !strncmp(t->url, "https:", 6))
		snprintf(t->cacert, sizeof(t->cacert), "%s", api->tls_cert);

	if (token_file)
		return read_token(token_file, t, err, errlen);
	if (api && api->token_file[0]) {
		/* Reads may not need it: go on without, and say why should
		 * the server answer 401. */
		ret = read_token(api->token_file, t, t->token_note,
				 sizeof(t->token_note));
		if (ret)
			t->token[0] = '\0';
	}
	return 0;
}
