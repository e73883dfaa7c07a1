-- (c) POST /api/sessions with an API key (BENCH_API_KEY): one CreateRoom
-- on the emulator per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("BENCH_API_KEY")
wrk.body = '{"user_id":"user123","language":"fr","scenario_id":"scenario123",' ..
    '"goal":"Ameliorer la prononciation","agent_profile_id":"coach",' ..
    '"is_multi_agent":false}'
