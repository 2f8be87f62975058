-- wrk_queries.lua -- wrk script for bench/run.sh: every request is the
-- next real query of a query file, URL-encoded.
--
--   wrk -s wrk_queries.lua URL -- QUERY_FILE PATH_PREFIX
--
-- QUERY_FILE has one "locale<TAB>query" per line (locale may be
-- empty); PATH_PREFIX is the search path with its fixed parameters,
-- e.g. "/api/search?limit=10".  Each wrk thread starts at its own
-- offset in the file and walks it round.  done() prints key=value
-- lines (latencies in microseconds) for run.sh.

local paths = {}
local next_path = 0
local thread_count = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
  thread:set("thread_count", thread_count)
end

function init(args)
  local file, prefix = args[1], args[2]
  local sep = prefix:find("?", 1, true) and "&" or "?"
  for line in io.lines(file) do
    local locale, q = line:match("^([^\t]*)\t(.+)$")
    if q then
      local p = prefix .. sep .. "q=" .. urlencode(q)
      if locale ~= "" then
        p = p .. "&locale=" .. urlencode(locale)
      end
      paths[#paths + 1] = p
    end
  end
  if #paths == 0 then
    error("wrk_queries.lua: no queries in " .. tostring(file))
  end
  -- Spread the threads over the file (thread_id is set by setup()).
  local id = tonumber(thread_id) or 0
  next_path = (id * 7919) % #paths
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk_requests=%d\n", summary.requests))
  io.write(string.format("wrk_duration_s=%.3f\n", summary.duration / 1e6))
  io.write(string.format("wrk_rps=%.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("wrk_p50_us=%d\n", latency:percentile(50)))
  io.write(string.format("wrk_p99_us=%d\n", latency:percentile(99)))
  io.write(string.format("wrk_p999_us=%d\n", latency:percentile(99.9)))
  io.write(string.format("wrk_max_us=%d\n", latency.max))
  io.write(string.format("wrk_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("wrk_non2xx=%d\n", e.status))
end
