#include "common/rtsp/rtsp_auth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace flowcast::common {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// name=value pairs after the scheme, values quoted or not.
std::vector<std::pair<std::string, std::string>> auth_params(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '\t')) ++i;
    const size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string name(trim(s.substr(i, eq - i)));
    i = eq + 1;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value.push_back(s[i++]);
      }
      ++i;  // the closing quote
    } else {
      const size_t end = s.find(',', i);
      value = std::string(trim(s.substr(i, end == std::string_view::npos ? end : end - i)));
      i = end == std::string_view::npos ? s.size() : end;
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

// A control character (CR, LF, NUL, ...) would end the Authorization header
// early (or, to another server, the request) when copied into it.
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f;
  });
}

// An HTTP quoted-string (RFC 9110 §5.6.4): '"' and '\' escaped.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::vector<AuthChallenge> parse_challenges(const std::vector<std::string_view>& values) {
  std::vector<AuthChallenge> digest, basic;
  for (std::string_view value : values) {
    value = trim(value);
    const size_t sp = value.find(' ');
    const std::string_view scheme = value.substr(0, sp);
    const std::string_view rest =
        sp == std::string_view::npos ? std::string_view{} : value.substr(sp + 1);
    AuthChallenge c;
    for (const auto& [name, v] : auth_params(rest)) {
      if (iequals(name, "realm")) c.realm = v;
      if (iequals(name, "nonce")) c.nonce = v;
      if (iequals(name, "opaque")) c.opaque = v;
      if (iequals(name, "algorithm")) c.algorithm = v;
      if (iequals(name, "qop")) {
        // A list of options: "auth", "auth,auth-int".
        size_t start = 0;
        while (start <= v.size()) {
          const size_t comma = v.find(',', start);
          if (iequals(trim(std::string_view(v).substr(
                          start, comma == std::string::npos ? comma : comma - start)),
                      "auth"))
            c.qop_auth = true;
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
    }
    // What the answer would copy from the server cannot break its header.
    if (has_control(c.realm) || has_control(c.nonce) || has_control(c.opaque) ||
        has_control(c.algorithm))
      continue;
    if (iequals(scheme, "Digest")) {
      c.scheme = AuthChallenge::Scheme::digest;
      if (c.nonce.empty()) continue;
      if (!c.algorithm.empty() && !iequals(c.algorithm, "MD5")) continue;
      digest.push_back(std::move(c));
    } else if (iequals(scheme, "Basic")) {
      c.scheme = AuthChallenge::Scheme::basic;
      basic.push_back(std::move(c));
    }
  }
  digest.insert(digest.end(), basic.begin(), basic.end());
  return digest;
}

std::string authorization(const AuthChallenge& c, std::string_view user, std::string_view password,
                          std::string_view method, std::string_view uri, const AuthHashes& hashes,
                          std::string_view cnonce, unsigned nc) {
  const auto cat = [](std::initializer_list<std::string_view> parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) out += ':';
      out += *(parts.begin() + i);
    }
    return out;
  };
  if (c.scheme == AuthChallenge::Scheme::basic)
    return "Basic " + hashes.base64(cat({user, password}));
  // RFC 7616 §3.4.1 (MD5): response = H(H(A1):nonce[:nc:cnonce:qop]:H(A2)).
  const std::string ha1 = hashes.md5_hex(cat({user, c.realm, password}));
  const std::string ha2 = hashes.md5_hex(cat({method, uri}));
  char nc_text[9];
  std::snprintf(nc_text, sizeof nc_text, "%08x", nc);
  const std::string response =
      c.qop_auth ? hashes.md5_hex(cat({ha1, c.nonce, nc_text, cnonce, "auth", ha2}))
                 : hashes.md5_hex(cat({ha1, c.nonce, ha2}));
  // The server's fields go back as quoted-strings, escaped: a '"' in a realm
  // cannot end it early and add parameters of the server's choosing.
  std::string out = "Digest username=" + quoted(user) + ", realm=" + quoted(c.realm) +
                    ", nonce=" + quoted(c.nonce) + ", uri=" + quoted(uri) + ", response=\"" +
                    response + "\"";
  if (!c.algorithm.empty()) out += ", algorithm=" + c.algorithm;
  if (!c.opaque.empty()) out += ", opaque=" + quoted(c.opaque);
  if (c.qop_auth) out += ", qop=auth, nc=" + std::string(nc_text) + ", cnonce=" + quoted(cnonce);
  return out;
}

}  // namespace flowcast::common
