# The explorer's files, embedded into folio_net (net/net_http_static.c serves them):
# NET_WEB_SOURCES is the generated C file, rebuilt when a file here changes.
set(EXPLORER_DIR ${CMAKE_SOURCE_DIR}/web/explorer)
file(GLOB EXPLORER_FILES CONFIGURE_DEPENDS RELATIVE ${EXPLORER_DIR} ${EXPLORER_DIR}/*.html
     ${EXPLORER_DIR}/*.css ${EXPLORER_DIR}/*.js)
list(SORT EXPLORER_FILES)
set(EXPLORER_ABS "")
foreach(f IN LISTS EXPLORER_FILES)
  list(APPEND EXPLORER_ABS ${EXPLORER_DIR}/${f})
endforeach()
set(NET_WEB_SOURCES ${CMAKE_BINARY_DIR}/net_http_static_data.c)
add_custom_command(
  OUTPUT ${NET_WEB_SOURCES}
  COMMAND ${CMAKE_COMMAND} -DSRC=${EXPLORER_DIR} -DOUT=${NET_WEB_SOURCES}
          "-DFILES=${EXPLORER_FILES}" -P ${EXPLORER_DIR}/embed.cmake
  DEPENDS ${EXPLORER_ABS} ${EXPLORER_DIR}/embed.cmake
  COMMENT "Embedding the explorer (web/explorer)"
  VERBATIM)
