#pragma once
// What the decoder does after a loss (--on-loss; DecoderStage has the
// rules): conceal, or freeze on the last good picture until a keyframe.
#include <nlohmann/json.hpp>
#include <string>

namespace flowcast::client {

enum class LossPolicy { conceal, freeze };

// How each value is spelled: on the command line and in the metrics file
// (config.on_loss). This table is the only place.
NLOHMANN_JSON_SERIALIZE_ENUM(LossPolicy,
                             {{LossPolicy::conceal, "conceal"}, {LossPolicy::freeze, "freeze"}})

inline std::string to_string(LossPolicy p) {
  return nlohmann::json(p).get<std::string>();
}

}  // namespace flowcast::client
