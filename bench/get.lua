-- wrk script: GET random customers by id, 1..KEHU_MAX_ID, with a bearer token.
local max_id = tonumber(os.getenv("KEHU_MAX_ID") or "1000")
local token = os.getenv("KEHU_TOKEN") or ""
math.randomseed(42)

request = function()
  local id = math.random(1, max_id)
  return wrk.format("GET", "/api/v1/customers/" .. id, { ["Authorization"] = "Bearer " .. token })
end
