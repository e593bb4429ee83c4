#pragma once
// std::optional in nlohmann/json: an empty one is null, and null reads back
// as an empty one (nlohmann/json 3.11.2 has no such serializer). Header
// only: for the metrics and results files of the client and the load tool,
// which link nlohmann/json; nothing in common/ itself uses it.
#include <nlohmann/json.hpp>
#include <optional>

NLOHMANN_JSON_NAMESPACE_BEGIN
template <typename T>
struct adl_serializer<std::optional<T>> {
  template <typename BasicJsonType>
  static void to_json(BasicJsonType& j, const std::optional<T>& value) {
    if (value)
      j = *value;
    else
      j = nullptr;
  }
  template <typename BasicJsonType>
  static void from_json(const BasicJsonType& j, std::optional<T>& value) {
    if (j.is_null())
      value.reset();
    else
      value = j.template get<T>();
  }
};
NLOHMANN_JSON_NAMESPACE_END
