/*
 * TCP-MD5 signatures (RFC 2385) through Linux's TCP_MD5SIG socket option
 * (linux/tcp.h: struct tcp_md5sig, keys of at most TCP_MD5SIG_MAXKEYLEN
 * bytes). node:net has no setsockopt, so this Node-API addon offers:
 *
 *   setKey(fd, peerAddress, key)   a key for one peer on a socket (a
 *                                  listening socket passes it on to the
 *                                  connections it accepts); an empty key
 *                                  removes the peer's key
 *   openSocket(localAddress, peerAddress, key)
 *                                  a new non-blocking TCP socket bound to
 *                                  localAddress (port 0) that signs toward
 *                                  peerAddress, ready for connect(): the
 *                                  SYN must already carry the signature
 *
 * Errors are thrown with `code` set to the errno name (EINVAL, ENOENT, ...).
 * Built by native/tcp-md5/build.mjs (docs/tcp-md5.md).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#define ADDRESS_TEXT_MAX 64

static napi_value throw_errno(napi_env env, const char *what, int error) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  const char *name = strerrorname_np(error);
  napi_throw_error(env, name != NULL ? name : "EUNKNOWN", message);
  return NULL;
}

static napi_value throw_invalid(napi_env env, const char *message) {
  napi_throw_error(env, "EINVAL", message);
  return NULL;
}

/* Parses IPv4 or IPv6 text into a sockaddr_storage; 0 when it is neither. */
static int parse_address(napi_env env, napi_value value, struct sockaddr_storage *out, socklen_t *length) {
  char text[ADDRESS_TEXT_MAX];
  size_t text_length = 0;
  if (napi_get_value_string_utf8(env, value, text, sizeof text, &text_length) != napi_ok) return 0;
  memset(out, 0, sizeof *out);
  struct sockaddr_in *v4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    *length = sizeof *v4;
    return 1;
  }
  if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    *length = sizeof *v6;
    return 1;
  }
  return 0;
}

/* The key argument: a Buffer of at most TCP_MD5SIG_MAXKEYLEN bytes. */
static int read_key(napi_env env, napi_value value, struct tcp_md5sig *signature) {
  bool is_buffer = false;
  void *data = NULL;
  size_t length = 0;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  if (napi_get_buffer_info(env, value, &data, &length) != napi_ok) return 0;
  if (length > TCP_MD5SIG_MAXKEYLEN) return 0;
  signature->tcpm_keylen = (__u16)length;
  if (length > 0) memcpy(signature->tcpm_key, data, length);
  return 1;
}

static int set_key(int fd, const struct sockaddr_storage *peer, struct tcp_md5sig *signature) {
  memcpy(&signature->tcpm_addr, peer, sizeof *peer);
  return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, signature, sizeof *signature);
}

static napi_value set_key_method(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 3) return throw_invalid(env, "setKey(fd, peerAddress, key) takes 3 arguments");
  int32_t fd = -1;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return throw_invalid(env, "fd must be a non-negative integer");
  struct sockaddr_storage peer;
  socklen_t peer_length = 0;
  if (!parse_address(env, argv[1], &peer, &peer_length))
    return throw_invalid(env, "peerAddress must be an IPv4 or IPv6 address");
  struct tcp_md5sig signature;
  memset(&signature, 0, sizeof signature);
  if (!read_key(env, argv[2], &signature))
    return throw_invalid(env, "key must be a Buffer of at most 80 bytes");
  if (set_key(fd, &peer, &signature) != 0) {
    /* removing a key that is not there is not an error */
    if (signature.tcpm_keylen == 0 && errno == ENOENT) return NULL;
    return throw_errno(env, "setsockopt(TCP_MD5SIG)", errno);
  }
  return NULL;
}

static napi_value open_socket_method(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 3) return throw_invalid(env, "openSocket(localAddress, peerAddress, key) takes 3 arguments");
  struct sockaddr_storage local, peer;
  socklen_t local_length = 0, peer_length = 0;
  if (!parse_address(env, argv[0], &local, &local_length))
    return throw_invalid(env, "localAddress must be an IPv4 or IPv6 address");
  if (!parse_address(env, argv[1], &peer, &peer_length) || peer.ss_family != local.ss_family)
    return throw_invalid(env, "peerAddress must be an address of localAddress's family");
  struct tcp_md5sig signature;
  memset(&signature, 0, sizeof signature);
  if (!read_key(env, argv[2], &signature) || signature.tcpm_keylen == 0)
    return throw_invalid(env, "key must be a Buffer of 1 to 80 bytes");
  int fd = socket(local.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (set_key(fd, &peer, &signature) != 0) {
    int error = errno;
    close(fd);
    return throw_errno(env, "setsockopt(TCP_MD5SIG)", error);
  }
  if (bind(fd, (struct sockaddr *)&local, local_length) != 0) {
    int error = errno;
    close(fd);
    return throw_errno(env, "bind", error);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor methods[] = {
      {"setKey", NULL, set_key_method, NULL, NULL, NULL, napi_default, NULL},
      {"openSocket", NULL, open_socket_method, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}
