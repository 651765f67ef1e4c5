/*
 * hash.c: SHA-256 (OpenSSL's EVP) for report trailers and plan files, OS
 * randomness, and the clocks.
 *
 * The SigV4 signer has its own HMAC code in src/aws; this module is for
 * hashing whole files and buffers.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cairn/common.h"

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void cairn_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
		cairn_die("SHA-256 failed");
	to_hex(md, 32, out);
}

int cairn_sha256_file(const char *path, char out[65])
{
	char *data;
	size_t len;
	int rc = cairn_file_read(path, &data, &len);
	if (rc < 0)
		return rc;
	cairn_sha256_hex(data, len, out);
	free(data);
	return 0;
}

void cairn_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	size_t done = 0;
	if (nbytes > sizeof(buf))
		cairn_die("cairn_random_hex: %zu bytes is too many", nbytes);
	while (done < nbytes) {
		ssize_t n = getrandom(buf + done, nbytes - done, 0);
		if (n < 0)
			cairn_die("getrandom failed");
		done += (size_t)n;
	}
	to_hex(buf, nbytes, out);
}

double cairn_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cairn_utc_now(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
