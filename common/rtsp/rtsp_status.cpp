#include "common/rtsp/rtsp_status.hpp"

namespace flowcast::common {

const char* rtsp_reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 414:
      return "Request-URI Too Large";
    case 454:
      return "Session Not Found";
    case 455:
      return "Method Not Valid in This State";
    case 457:
      return "Invalid Range";
    case 459:
      return "Aggregate Operation Not Allowed";
    case 461:
      return "Unsupported Transport";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 551:
      return "Option not supported";
    default:
      return "Error";
  }
}

}  // namespace flowcast::common
