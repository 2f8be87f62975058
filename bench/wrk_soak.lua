-- wrk_soak.lua -- wrk script for bench/soak.sh: every request is the
-- next real query of a query file (as wrk_queries.lua walks them), and
-- every answer that is not 2xx is counted, 3xx included (wrk's own
-- "Non-2xx or 3xx responses" line counts only statuses above 399).
--
--   wrk -s wrk_soak.lua URL -- QUERY_FILE PATH_PREFIX
--
-- QUERY_FILE has one "locale<TAB>query" per line (locale may be
-- empty); PATH_PREFIX is the search path with its fixed parameters.
-- done() prints key=value lines (latencies in microseconds) and the
-- first few bad answers as "bad=STATUS BODY-START".

local threads = {}
local paths = {}
local next_path = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function setup(thread)
  thread:set("thread_id", #threads)
  threads[#threads + 1] = thread
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
    error("wrk_soak.lua: no queries in " .. tostring(file))
  end
  next_path = ((tonumber(thread_id) or 0) * 7919) % #paths
  bad_count = 0
  bad_sample = ""
  bad_samples = 0
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad_count = bad_count + 1
    if bad_samples < 3 then
      bad_samples = bad_samples + 1
      local b = (body or ""):sub(1, 160):gsub("[\r\n]", " ")
      bad_sample = bad_sample .. "bad=" .. status .. " " .. b .. "\n"
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local bad, samples = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + (tonumber(t:get("bad_count")) or 0)
    samples = samples .. (t:get("bad_sample") or "")
  end
  io.write(string.format("wrk_requests=%d\n", summary.requests))
  io.write(string.format("wrk_duration_s=%.3f\n", summary.duration / 1e6))
  io.write(string.format("wrk_rps=%.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("wrk_p50_us=%d\n", latency:percentile(50)))
  io.write(string.format("wrk_p99_us=%d\n", latency:percentile(99)))
  io.write(string.format("wrk_max_us=%d\n", latency.max))
  io.write(string.format("wrk_err_connect=%d\nwrk_err_read=%d\nwrk_err_write=%d\n",
    e.connect, e.read, e.write))
  io.write(string.format("wrk_err_timeout=%d\n", e.timeout))
  io.write(string.format("wrk_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("wrk_status_errors=%d\n", e.status))
  io.write(string.format("wrk_non2xx=%d\n", bad))
  io.write(samples)
end
