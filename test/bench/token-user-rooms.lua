-- (b) POST /api/livekit/token with a user JWT (BENCH_USER_JWT), each
-- request for the next of BENCH_ROOMS rooms bench-room-0, bench-room-1...
-- in turn, each wrk thread from its own place in the circle, so that
-- requests that come together seldom ask for one room.
local rooms = tonumber(os.getenv("BENCH_ROOMS"))
local spread = math.floor(rooms / tonumber(os.getenv("BENCH_WRK_THREADS")))
local threads = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_USER_JWT")

function setup(thread)
	thread:set("first", threads * spread)
	threads = threads + 1
end

function init(args)
	counter = first or 0
end

function request()
	counter = counter + 1
	return wrk.format(nil, nil, nil,
	    '{"room_name":"bench-room-' .. (counter % rooms) .. '"}')
end
