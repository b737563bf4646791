// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "log.h"

/* RFC 6750 section 2.1 b64token: what may follow "Bearer ". */
static bool token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-._~+/=", c));
}

int api_auth_load(struct api_auth *a, const char *path, bool reads, char *err,
		  size_t errlen)
{
	char buf[API_TOKEN_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, ret = 0;

	memset(a, 0, sizeof(*a));
	a->reads = reads;
	if (!path || !*path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (!fstat(fd, &st) && st.st_mode & 077)
		pr_warn("ikefwdd: %s: readable by others than its owner "
			"(chmod 600)\n",
			path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		ret = -errno;
	close(fd);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	if (len == 0 || len > API_TOKEN_MAX) {
		snprintf(err, errlen,
			 "%s: the first line must hold the token (1 to %d "
			 "characters)",
			 path, API_TOKEN_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (!token_char(buf[i])) {
			snprintf(err, errlen,
				 "%s: the token may only use letters, digits "
				 "and -._~+/=",
				 path);
			return -EINVAL;
		}
	memcpy(a->token, buf, len);
	a->token[len] = '\0';
	a->len = len;
	return 0;
}

/* Equal or not in a time that depends on the secret's length only: every
 * byte of ours is compared, whatever the client sent. */
static bool token_equal(const struct api_auth *a, const char *given, size_t len)
{
	unsigned char diff = len != a->len;

	for (size_t i = 0; i < a->len; i++)
		diff |= a->token[i] ^ (i < len ? given[i] : 0);
	return diff == 0;
}

enum api_auth_result api_auth_check(const struct api_auth *a, enum api_op op,
				    bool trusted, const char *authorization)
{
	static const char scheme[] = "Bearer";
	const char *p = authorization;
	size_t len;

	if (!a->len || trusted || (!api_op_writes(op) && !a->reads))
		return API_AUTH_OK;
	if (!p)
		return API_AUTH_MISSING;
	p += strspn(p, " \t");
	/* The scheme is case-insensitive (RFC 9110 section 11.1). */
	if (strncasecmp(p, scheme, sizeof(scheme) - 1) ||
	    (p[sizeof(scheme) - 1] != ' ' && p[sizeof(scheme) - 1] != '\t'))
		return API_AUTH_MISSING;
	p += sizeof(scheme) - 1;
	p += strspn(p, " \t");
	len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return token_equal(a, p, len) ? API_AUTH_OK : API_AUTH_INVALID;
}
