# The fuzz targets: one libFuzzer entry point (LLVMFuzzerTestOneInput) per
# parser that reads the network or a file. See README.md. Included by
# tests/fuzz/CMakeLists.txt, which the top level adds with the tests, or
# alone in the fuzz preset. Each target builds two ways:
#   FLOWCAST_BUILD_FUZZERS (clang; the fuzz preset): fuzz_NAME, linked with
#     libFuzzer; `fuzz_targets` builds them all, tests/fuzz/run.sh runs them.
#   FLOWCAST_BUILD_TESTS (any compiler): fuzz_replay_NAME, which CTest runs
#     over corpus/NAME and regressions/NAME (label fuzz-replay).
set(_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(_fuzz_bin ${PROJECT_BINARY_DIR}/tests/fuzz)

if(FLOWCAST_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FLOWCAST_BUILD_FUZZERS needs clang (libFuzzer): use `cmake --preset fuzz`.")
  endif()
  add_custom_target(fuzz_targets)
endif()
if(FLOWCAST_BUILD_TESTS)
  add_library(flowcast_fuzz_replay_main OBJECT ${_fuzz_dir}/replay_main.cpp)
endif()

# flowcast_fuzz_target(NAME LIBRARY...): fuzz_NAME.cpp against those libraries.
function(flowcast_fuzz_target name)
  if(FLOWCAST_BUILD_FUZZERS)
    add_executable(fuzz_${name} ${_fuzz_dir}/fuzz_${name}.cpp)
    target_include_directories(fuzz_${name} PRIVATE ${_fuzz_dir})
    target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_fuzz_bin})
    add_dependencies(fuzz_targets fuzz_${name})
  endif()
  if(FLOWCAST_BUILD_TESTS)
    add_executable(fuzz_replay_${name} ${_fuzz_dir}/fuzz_${name}.cpp
                   $<TARGET_OBJECTS:flowcast_fuzz_replay_main>)
    target_include_directories(fuzz_replay_${name} PRIVATE ${_fuzz_dir})
    target_link_libraries(fuzz_replay_${name} PRIVATE ${ARGN})
    set_target_properties(fuzz_replay_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_fuzz_bin})
    add_test(NAME fuzz_replay.${name}
             COMMAND fuzz_replay_${name} ${_fuzz_dir}/corpus/${name}
                     ${_fuzz_dir}/regressions/${name})
    set_tests_properties(fuzz_replay.${name} PROPERTIES LABELS fuzz-replay TIMEOUT 120)
  endif()
endfunction()

flowcast_fuzz_target(rtp flowcast_common)
flowcast_fuzz_target(rtcp flowcast_common)
flowcast_fuzz_target(rfc4571 flowcast_common)
flowcast_fuzz_target(handshake flowcast_common)
flowcast_fuzz_target(units flowcast_common)
flowcast_fuzz_target(receiver_statistics flowcast_common)
flowcast_fuzz_target(rtsp flowcast_media)
flowcast_fuzz_target(sdp flowcast_media)
flowcast_fuzz_target(h264_depacketizer flowcast_media)
flowcast_fuzz_target(h264_sps flowcast_media)
flowcast_fuzz_target(h265_depacketizer flowcast_media)
flowcast_fuzz_target(audio_depacketizer flowcast_media)
flowcast_fuzz_target(payload flowcast_media)
flowcast_fuzz_target(receive_buffer flowcast_client)
flowcast_fuzz_target(network_source flowcast_client)
flowcast_fuzz_target(rtsp_client_connection flowcast_client)
flowcast_fuzz_target(rtsp_server_connection flowcast_server)
flowcast_fuzz_target(sweep_file flowcast_sweep)

# The seed corpora's generator (make-corpus.sh builds and runs it); not built by default.
if(FLOWCAST_BUILD_TESTS)
  add_executable(fuzz_make_corpus EXCLUDE_FROM_ALL ${_fuzz_dir}/make_corpus.cpp
                 ${_fuzz_dir}/corpus_writer.cpp ${_fuzz_dir}/corpus_wire.cpp
                 ${_fuzz_dir}/corpus_media.cpp ${_fuzz_dir}/corpus_client.cpp)
  target_include_directories(fuzz_make_corpus PRIVATE ${_fuzz_dir})
  target_link_libraries(fuzz_make_corpus PRIVATE flowcast_media)
  set_target_properties(fuzz_make_corpus PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_fuzz_bin})
endif()
