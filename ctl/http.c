// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The HTTP transport of ikefwdctl (http.h), on libcurl's easy interface. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"

/* The largest list is 1000 entries, a few hundred KiB: anything far bigger
 * is not our server, and must not eat the memory of the machine. */
#define REPLY_MAX (64u << 20)

struct reply_buf {
	struct ctl_reply *reply;
	size_t cap;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct reply_buf *b = ctx;
	struct ctl_reply *r = b->reply;
	size_t n = size * nmemb;

	if (n > REPLY_MAX - r->len) {
		b->too_big = true;
		return 0; /* libcurl aborts with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->body, cap);
		if (!p)
			return 0;
		r->body = p;
		b->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Copies header line text (not NUL-terminated, CRLF at its end) without the
 * line end and the blanks around it. */
static void copy_trimmed(char *dst, size_t dstlen, const char *src, size_t n)
{
	while (n && isspace((unsigned char)*src))
		src++, n--;
	while (n && isspace((unsigned char)src[n - 1]))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* libcurl gives no reason phrase: take it from the status line. Each
 * response's headers start anew (a 100 Continue comes before the real
 * one), so every status line overwrites the last. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct ctl_reply *r = ctx;
	size_t n = size * nmemb;
	const char *sp1, *sp2;

	if (n > 5 && !strncmp(data, "HTTP/", 5)) {
		r->reason[0] = '\0';
		r->content_type[0] = '\0';
		sp1 = memchr(data, ' ', n);
		sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (sp1 + 1 - data)) : NULL;
		if (sp2)
			copy_trimmed(r->reason, sizeof(r->reason), sp2 + 1,
				     n - (sp2 + 1 - data));
	} else if (n > 13 && !strncasecmp(data, "Content-Type:", 13)) {
		copy_trimmed(r->content_type, sizeof(r->content_type),
			     data + 13, n - 13);
	}
	return n;
}

static int curl_errno(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EINVAL;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* Adds "Authorization: Bearer <token>" to *headers. */
static int add_token(struct curl_slist **headers, const char *token)
{
	static const char prefix[] = "Authorization: Bearer ";
	char line[sizeof(prefix) + sizeof(((struct ctl_target *)0)->token)];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s%s", prefix, token);
	l = curl_slist_append(*headers, line);
	/* The line held the token: do not leave it lying on the stack. */
	explicit_bzero(line, sizeof(line));
	if (!l)
		return -ENOMEM;
	*headers = l;
	return 0;
}

int ctl_http_request(const struct ctl_target *t, const char *method,
		     const char *path_query, const char *body,
		     struct ctl_reply *reply, char *err, size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "", *url = NULL;
	struct reply_buf buf = { .reply = reply };
	struct curl_slist *headers = NULL, *l;
	CURLcode code = CURLE_OUT_OF_MEMORY;
	int ret = -ENOMEM;
	long os_errno = 0;
	size_t url_len;
	CURL *curl;

	memset(reply, 0, sizeof(*reply));
	curl = curl_easy_init();
	url_len = strlen(t->url) + strlen(path_query) + 1;
	url = malloc(url_len);
	if (!curl || !url) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(url, url_len, "%s%s", t->url, path_query);

	/* No proxy, whatever http_proxy says: the API is on this host or
	 * the cluster's management network, and the token must go nowhere
	 * else. Only HTTP(S), and no redirects, for the same reason. */
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, t->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, reply);
	if (t->unix_socket[0])
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH,
				 t->unix_socket);
	if (t->cacert[0])
		curl_easy_setopt(curl, CURLOPT_CAINFO, t->cacert);
	if (t->insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}

	/* An empty Expect: stops libcurl waiting for "100 Continue" before
	 * sending a body (a frame's hex is over its 1 KiB threshold). */
	l = curl_slist_append(headers, "Expect:");
	if (!l)
		goto nomem;
	headers = l;
	if (t->token[0] && add_token(&headers, t->token))
		goto nomem;
	if (body) {
		l = curl_slist_append(headers,
				      "Content-Type: application/json");
		if (!l)
			goto nomem;
		headers = l;
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
				 (long)strlen(body));
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	code = curl_easy_perform(curl);
	if (code == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply->status);
		if (!reply->body)
			reply->body = strdup("");
		ret = reply->body ? 0 : -ENOMEM;
		if (ret)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	ret = curl_errno(code);
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	/* libcurl would name "localhost port 80" for a unix socket: the
	 * socket's own errno says more (no such file, permission). */
	if (t->unix_socket[0] && code == CURLE_COULDNT_CONNECT && os_errno)
		snprintf(err, errlen, "connect: %s", strerror(os_errno));
	else if (buf.too_big)
		snprintf(err, errlen, "answer larger than %u MiB",
			 REPLY_MAX >> 20);
	else
		snprintf(err, errlen, "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(code));
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	ret = -ENOMEM;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(url);
	return ret;
}

void ctl_reply_free(struct ctl_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}
