# Checks the headers installed under include_root (P/include/freshet): each includes, in quotes,
# only freshet headers that are installed there and, in angle brackets, only C++ standard headers
# (C++20's list; the C compatibility <xxx.h> forms, POSIX, Eigen, nlohmann, oneTBB, ... are not),
# and no test or implementation header is installed. Included by install_consumer.cmake, or run
# alone: cmake -Dinclude_root=P/include/freshet -P tests/install_consumer_headers.cmake
cmake_policy(VERSION 3.22)
set(std_headers
    algorithm any array atomic barrier bit bitset cassert cctype cerrno cfenv cfloat charconv
    chrono cinttypes climits clocale cmath codecvt compare complex concepts condition_variable
    coroutine csetjmp csignal cstdarg cstddef cstdint cstdio cstdlib cstring ctime cuchar cwchar
    cwctype deque exception execution filesystem format forward_list fstream functional future
    initializer_list iomanip ios iosfwd iostream istream iterator latch limits list locale map
    memory memory_resource mutex new numbers numeric optional ostream queue random ranges ratio
    regex scoped_allocator semaphore set shared_mutex source_location span sstream stack stdexcept
    stop_token streambuf string string_view syncstream system_error thread tuple type_traits
    typeindex typeinfo unordered_map unordered_set utility valarray variant vector version)
file(GLOB_RECURSE installed_headers RELATIVE ${include_root} ${include_root}/*)
list(LENGTH installed_headers n_headers)
if(n_headers LESS 20)
  message(FATAL_ERROR "only ${n_headers} headers installed under ${include_root}")
endif()
set(violations)
foreach(header ${installed_headers})
  if(header MATCHES "_test|testdata|internal|detail")
    list(APPEND violations "${header}: a test or implementation header is installed")
  endif()
  file(STRINGS ${include_root}/${header} lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${lines})
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
      if(NOT EXISTS ${include_root}/${CMAKE_MATCH_1})
        list(APPEND violations "${header}: includes \"${CMAKE_MATCH_1}\", which is not installed")
      endif()
    elseif(line MATCHES "^[ \t]*#[ \t]*include[ \t]*<([^>]+)>")
      if(NOT CMAKE_MATCH_1 IN_LIST std_headers)
        list(APPEND violations "${header}: includes <${CMAKE_MATCH_1}>, not a C++ standard header")
      endif()
    else()
      list(APPEND violations "${header}: an include this check cannot read: ${line}")
    endif()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "installed headers must show only freshet and the C++ standard library:\n  ${text}")
endif()

