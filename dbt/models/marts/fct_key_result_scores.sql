{{ config(**wbexport_scores_config()) }}
-- Period-end score per key result and period: the progress of the last snapshot on or before the
-- end of the (goal's) period, as an OKR score 0..1 with a grade (green >= var score_green_min,
-- default 0.7; yellow >= var score_yellow_min, default 0.4; else red). While the period runs, the
-- score follows the latest snapshot; after period_end_date it stays final. A period that ended
-- before the first exported snapshot has no score. Incremental: each run reads only the new days
-- of fct_key_result_progress_daily and merges on score_id (key_result_id@period_end_date).
{{ wbexport_period_end_scores(ref('fct_key_result_progress_daily'), 'key_result_id', ['goal_id'], 'key_results') }}
