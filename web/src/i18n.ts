/**
 * Every UI string lives in this one table, Vietnamese first (the default language of the
 * planning offices that use the map), English beside it. Domain values (report kinds, site
 * kinds, area statuses, emerging categories, levels, target and plan states) come from the
 * glossary the charts and the briefing read too (`src/glossary.json`), through `tCode`, so
 * popups and legends never show raw API codes and never word a thing differently.
 */
import { entry, type Group } from './glossary';

export type Lang = 'vi' | 'en';

const STRINGS = {
  app_title: { vi: 'Bản đồ điểm nóng ma túy', en: 'Drug hotspot map' },
  app_subtitle: { vi: 'Phục vụ lập kế hoạch — dữ liệu tổng hợp', en: 'For planning — aggregated data' },
  language: { vi: 'Ngôn ngữ', en: 'Language' },
  login: { vi: 'Đăng nhập', en: 'Log in' },
  logout: { vi: 'Đăng xuất', en: 'Log out' },
  token: { vi: 'Mã truy cập (token)', en: 'Access token' },
  token_help: { vi: 'Dán mã do quản trị viên cấp. Mã được lưu trên máy này.', en: 'Paste the token an administrator gave you. It is stored on this computer.' },
  save: { vi: 'Lưu', en: 'Save' },
  cancel: { vi: 'Hủy', en: 'Cancel' },
  close: { vi: 'Đóng', en: 'Close' },
  role: { vi: 'Vai trò', en: 'Role' },
  role_viewer: { vi: 'xem', en: 'viewer' },
  role_analyst: { vi: 'phân tích', en: 'analyst' },
  role_admin: { vi: 'quản trị', en: 'admin' },
  login_failed: { vi: 'Mã truy cập không hợp lệ.', en: 'The token was not accepted.' },
  loading: { vi: 'Đang tải…', en: 'Loading…' },
  loaded: { vi: 'Đã tải xong bản đồ.', en: 'Map loaded.' },
  load_error: { vi: 'Lỗi tải lớp', en: 'Could not load layer' },
  no_data: { vi: 'Chưa có dữ liệu.', en: 'No data yet.' },
  features: { vi: 'đối tượng', en: 'features' },

  sec_time: { vi: 'Khoảng thời gian', en: 'Time range' },
  from_month: { vi: 'Từ tháng', en: 'From month' },
  to_month: { vi: 'Đến hết tháng', en: 'Through month' },
  sec_replay: { vi: 'Trạng thái địa bàn theo tháng', en: 'Area status by month' },
  status_month: { vi: 'Tháng', en: 'Month' },
  play: { vi: 'Phát lại', en: 'Replay' },
  pause: { vi: 'Dừng', en: 'Pause' },
  sec_kinds: { vi: 'Loại tin báo', en: 'Report kinds' },
  sec_layers: { vi: 'Lớp bản đồ', en: 'Map layers' },
  sec_params: { vi: 'Tham số phân tích', en: 'Analysis parameters' },
  dbscan: { vi: 'Cụm DBSCAN (điểm nóng)', en: 'DBSCAN clusters (hotspots)' },
  eps_m: { vi: 'Bán kính eps (m)', en: 'Radius eps (m)' },
  min_pts: { vi: 'Số điểm tối thiểu', en: 'Minimum points' },
  hexgrid: { vi: 'Lưới lục giác Gi*', en: 'Hex grid Gi*' },
  res: { vi: 'Độ phân giải H3', en: 'H3 resolution' },
  k: { vi: 'Số vòng lân cận k', en: 'Neighbour rings k' },
  fdr: { vi: 'Hiệu chỉnh FDR', en: 'FDR correction' },
  apply: { vi: 'Áp dụng', en: 'Apply' },
  download: { vi: 'Tải GeoJSON', en: 'Download GeoJSON' },
  download_layer: { vi: 'Tải lớp này dạng GeoJSON', en: 'Download this layer as GeoJSON' },
  legend: { vi: 'Chú giải', en: 'Legend' },
  analyst_only: { vi: 'Chỉ dành cho cán bộ phân tích', en: 'Analysts only' },

  layer_areas: { vi: 'Địa bàn (trạng thái)', en: 'Areas (status)' },
  layer_hotspots: { vi: 'Vùng điểm nóng', en: 'Hotspot polygons' },
  layer_hexes: { vi: 'Ô nóng/lạnh Gi*', en: 'Hot/cold cells Gi*' },
  layer_kde: { vi: 'Mật độ tin báo', en: 'Report density' },
  layer_emerging: { vi: 'Xu hướng điểm nóng', en: 'Emerging hot spots' },
  layer_sites: { vi: 'Địa điểm nhạy cảm', en: 'Sensitive sites' },
  layer_reports: { vi: 'Điểm tin báo', en: 'Report points' },



  status_none: { vi: 'Chưa xác định', en: 'Not determined' },
  discrepancy_legend: { vi: 'Công nhận sạch nhưng dữ liệu mâu thuẫn', en: 'Declared clean, data disagrees' },

  bin_3: { vi: 'Nóng, tin cậy 99%', en: 'Hot, 99% confidence' },
  bin_2: { vi: 'Nóng, tin cậy 95%', en: 'Hot, 95% confidence' },
  bin_1: { vi: 'Nóng, tin cậy 90%', en: 'Hot, 90% confidence' },
  bin_0: { vi: 'Không có ý nghĩa thống kê', en: 'Not significant' },
  bin_m1: { vi: 'Lạnh, tin cậy 90%', en: 'Cold, 90% confidence' },
  bin_m2: { vi: 'Lạnh, tin cậy 95%', en: 'Cold, 95% confidence' },
  bin_m3: { vi: 'Lạnh, tin cậy 99%', en: 'Cold, 99% confidence' },
  density_low: { vi: 'Mật độ thấp', en: 'Low density' },
  density_high: { vi: 'Mật độ cao', en: 'High density' },
  hotspot_polygon: { vi: 'Cụm điểm nóng (DBSCAN)', en: 'Hotspot cluster (DBSCAN)' },
  hotspot_no_plan: { vi: 'Chưa có kế hoạch xử lý', en: 'No action plan yet' },


  // Popups and the area panel.
  hotspot: { vi: 'Điểm nóng', en: 'Hotspot' },
  reports_total: { vi: 'Số tin báo', en: 'Reports' },
  counts_by_kind: { vi: 'Theo loại', en: 'By kind' },
  first_seen: { vi: 'Lần đầu ghi nhận', en: 'First seen' },
  last_seen: { vi: 'Lần cuối ghi nhận', en: 'Last seen' },
  area_m2: { vi: 'Diện tích', en: 'Area' },
  nearby: { vi: 'Gần trường học, nhà trọ, khu công nghiệp', en: 'Near schools, boarding houses, industrial zones' },
  nearby_none: { vi: 'Không có trong bán kính', en: 'None within range' },
  plan: { vi: 'Kế hoạch xử lý “6 rõ”', en: 'Action plan (“6 clears”)' },
  plan_person: { vi: 'Rõ người', en: 'Clear person' },
  plan_task: { vi: 'Rõ việc', en: 'Clear task' },
  plan_unit: { vi: 'Rõ trách nhiệm', en: 'Clear responsibility' },
  plan_deadline: { vi: 'Rõ thời gian', en: 'Clear deadline' },
  plan_result: { vi: 'Rõ kết quả', en: 'Clear result' },
  plan_authority: { vi: 'Rõ thẩm quyền', en: 'Clear authority' },
  area: { vi: 'Địa bàn', en: 'Area' },
  boundary_commune: { vi: 'Ranh giới xã/phường', en: 'Commune/ward boundary' },
  boundary_district: { vi: 'Ranh giới quận/huyện', en: 'District boundary' },
  boundary_province: { vi: 'Ranh giới tỉnh/thành phố', en: 'Province/city boundary' },
  status: { vi: 'Trạng thái (tính từ dữ liệu)', en: 'Status (computed)' },
  status_since: { vi: 'Từ tháng', en: 'Since' },
  declared_status: { vi: 'Trạng thái được công nhận', en: 'Declared status' },
  discrepancy: { vi: 'Mâu thuẫn', en: 'Discrepancy' },
  discrepancy_yes: { vi: 'Có — được công nhận sạch nhưng dữ liệu cho thấy còn tin báo', en: 'Yes — declared clean but reports contradict it' },
  discrepancy_no: { vi: 'Không', en: 'No' },
  open_plans: { vi: 'Kế hoạch đang thực hiện', en: 'Open action plans' },
  target_progress: { vi: 'Tiến độ chỉ tiêu', en: 'Target progress' },
  target: { vi: 'Chỉ tiêu', en: 'Target' },
  actual: { vi: 'Thực tế', en: 'Actual' },
  due: { vi: 'Hạn', en: 'Due' },
  on_track: { vi: 'Đúng tiến độ', en: 'On track' },
  behind: { vi: 'Chậm tiến độ', en: 'Behind' },
  not_clean_children: { vi: 'Địa bàn con chưa sạch', en: 'Child areas not yet clean' },
  open_area_panel: { vi: 'Xem chi tiết địa bàn', en: 'Open area details' },
  charts: { vi: 'Biểu đồ', en: 'Charts' },
  chart_trend: { vi: 'Xu hướng tin báo', en: 'Report trend' },
  chart_targets: { vi: 'Chỉ tiêu so với thực tế', en: 'Targets vs actual' },
  chart_status: { vi: 'Trạng thái địa bàn con', en: 'Child area status' },
  chart_emerging: { vi: 'Xu hướng điểm nóng mới nổi', en: 'Emerging hot spot patterns' },
  chart_emerging_none: { vi: 'Không ô nào của địa bàn này có xu hướng có ý nghĩa thống kê ở độ phân giải {r}. Hãy chọn ô lớn hơn (số nhỏ hơn) ở lớp “Xu hướng điểm nóng”.', en: 'No cell of this area shows a significant pattern at resolution {r}. Choose larger cells (a smaller number) in the “Emerging hot spots” layer.' },
  chart_unavailable: { vi: 'Không có biểu đồ', en: 'Chart not available' },
  yes: { vi: 'Có', en: 'Yes' },
  no: { vi: 'Không', en: 'No' },
  cell: { vi: 'Ô lưới', en: 'Grid cell' },
  count: { vi: 'Số tin báo', en: 'Reports' },
  gi_z: { vi: 'Điểm z (Gi*)', en: 'z-score (Gi*)' },
  gi_p: { vi: 'Giá trị p', en: 'p-value' },
  density: { vi: 'Mật độ', en: 'Density' },
  category: { vi: 'Loại xu hướng', en: 'Pattern' },
  trend_z: { vi: 'Xu hướng (Mann-Kendall z)', en: 'Trend (Mann-Kendall z)' },
  hot_steps: { vi: 'Số tháng nóng', en: 'Hot months' },
  site: { vi: 'Địa điểm', en: 'Site' },
  kind: { vi: 'Loại', en: 'Kind' },
  observed_at: { vi: 'Thời điểm', en: 'Observed' },
  hotspot_list: { vi: 'Danh sách điểm nóng', en: 'Hotspot list' },
  synthetic_note: { vi: 'Dữ liệu minh họa là dữ liệu giả lập.', en: 'Demo data is synthetic.' },
  reports_unit: { vi: 'tin báo', en: 'reports' },
  as_of: { vi: 'Dữ liệu đến', en: 'Data as of' },
  month_shown: { vi: 'Tháng đang xem', en: 'Month shown' },
  showing_month: { vi: 'Đang xem', en: 'Showing' },
  time_note: { vi: 'Tất cả lớp, trạng thái địa bàn, biểu đồ và bảng điều hành dùng chung tháng “Đến hết tháng”.', en: 'Every layer, the area statuses, the charts and the dashboard use the same “Through month”.' },
  overdue_since: { vi: 'Quá hạn từ', en: 'Overdue since' },
  dormant: { vi: 'tạm lắng', en: 'dormant' },
  active: { vi: 'đang hoạt động', en: 'active' },
  dormant_legend: { vi: 'Điểm nóng tạm lắng (không có tin báo trong {n} tháng)', en: 'Dormant hotspot (no report in {n} months)' },
  within_m: { vi: 'Không có trong bán kính {m} m', en: 'None within {m} m' },
  density_unit: { vi: 'tin báo/km²', en: 'reports/km²' },
  part_of: { vi: 'Thuộc', en: 'Part of' },
  open_panel_of: { vi: 'Mở bảng', en: 'Open panel' },
  emerging_res: { vi: 'Độ phân giải ô (H3)', en: 'Cell resolution (H3)' },
  emerging_none: { vi: 'Không ô nào có xu hướng có ý nghĩa thống kê ở độ phân giải {r} ({n} ô, {m} tháng). Hãy chọn ô lớn hơn (số nhỏ hơn).', en: 'No cell shows a significant pattern at resolution {r} ({n} cells, {m} months). Choose larger cells (a smaller number).' },
  emerging_some: { vi: '{p} ô có xu hướng / {n} ô', en: '{p} patterned cells of {n}' },
  gi_none: { vi: 'Không ô nào có ý nghĩa thống kê.', en: 'No statistically significant cell.' },
  search: { vi: 'Tìm địa bàn, điểm nóng, địa điểm', en: 'Find area, hotspot, site' },
  search_none: { vi: 'Không tìm thấy', en: 'Nothing found' },
  enlarge: { vi: 'Phóng to', en: 'Enlarge' },
  download_png: { vi: 'Tải PNG', en: 'Download PNG' },
  download_svg: { vi: 'Tải SVG', en: 'Download SVG' },
  dashboard: { vi: 'Bảng điều hành', en: 'Dashboard' },
  dashboard_area: { vi: 'Địa bàn', en: 'Area' },
  children_by_status: { vi: 'Địa bàn con theo trạng thái', en: 'Child areas by status' },
  drug_free_share: { vi: 'Tỷ lệ sạch ma túy', en: 'Drug-free share' },
  met: { vi: 'Đạt', en: 'Met' },
  state: { vi: 'Tình trạng', en: 'State' },
  relapsed_areas: { vi: 'Địa bàn tái phát', en: 'Relapsed areas' },
  discrepancies: { vi: 'Công nhận khác dữ liệu', en: 'Declared vs data discrepancies' },
  hotspots_without_plan: { vi: 'Điểm nóng chưa có kế hoạch', en: 'Hotspots without a plan' },
  overdue_plans: { vi: 'Kế hoạch quá hạn', en: 'Overdue plans' },
  dashboard_fallback: { vi: 'Tính từ /api/progress và lớp địa bàn (máy chủ chưa có /api/dashboard).', en: 'Computed from /api/progress and the areas layer (the server has no /api/dashboard).' },
  print_briefing: { vi: 'In báo cáo tháng', en: 'Print briefing' },
  briefing_failed: { vi: 'Không tạo được báo cáo tháng', en: 'Could not make the briefing' },
  filters: { vi: 'Lọc', en: 'Filter' },
  f_all: { vi: 'Tất cả', en: 'All' },
  f_active: { vi: 'Đang hoạt động', en: 'Active' },
  f_dormant: { vi: 'Tạm lắng', en: 'Dormant' },
  f_active_months: { vi: 'Hoạt động = có tin báo trong (tháng)', en: 'Active = reports in the last (months)' },
  f_near: { vi: 'Gần', en: 'Near' },
  f_radius: { vi: 'trong bán kính (m)', en: 'within (m)' },
  f_no_plan: { vi: 'Chưa có kế hoạch', en: 'Without a plan' },
  f_overdue: { vi: 'Kế hoạch quá hạn', en: 'Overdue plan' },
  sort_by: { vi: 'Sắp xếp', en: 'Sort' },
  sort_reports: { vi: 'Số tin báo', en: 'Reports' },
  sort_recent: { vi: 'Gần đây nhất', en: 'Most recent' },
  n_of_m: { vi: '{n} / {m} điểm nóng', en: '{n} of {m} hotspots' },
  near_view: { vi: 'Gần địa điểm nhạy cảm', en: 'Near sensitive sites' },
  near_show: { vi: 'Hiện', en: 'Show' },
  near_result: { vi: '{n} địa điểm có tin báo trong bán kính {m} m', en: '{n} sites with reports within {m} m' },
  nearest: { vi: 'gần nhất', en: 'nearest' },
  base_map: { vi: 'Bản đồ nền', en: 'Base map' },
  base_none: { vi: 'Không (ngoại tuyến)', en: 'None (offline)' },
  base_xyz: { vi: 'Bản đồ nền do quản trị cấu hình', en: 'Administrator’s base map' },
  history: { vi: 'Lịch sử thay đổi', en: 'Change history' },
  op_create: { vi: 'tạo', en: 'created' },
  op_update: { vi: 'sửa', en: 'updated' },
  op_delete: { vi: 'xóa', en: 'deleted' },
  history_none: { vi: 'Chưa có lịch sử.', en: 'No history yet.' },
  hotspots_nearby: { vi: 'Điểm nóng trong bán kính {m} m', en: 'Hotspots within {m} m' },
  reports_nearby: { vi: 'Tin báo trong bán kính {m} m', en: 'Reports within {m} m' },
  menu_close: { vi: 'Đóng bảng điều khiển', en: 'Close controls' },
} as const;

export type Key = keyof typeof STRINGS;

let current: Lang = 'vi';
const listeners: Array<(lang: Lang) => void> = [];

/** Translate a key into the current language. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  let s: string = STRINGS[key][current];
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** Domain words kept in the shared glossary (`src/glossary.json`), not in this table. */
const GLOSSARY_GROUPS = new Set<string>(['kind', 'site', 'status', 'cat', 'level', 'level_plural', 'target_state', 'plan_state']);

/** Translate a domain code (e.g. `kind_sale`, `status_clean`) that may not exist in the table. */
export function tCode(prefix: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—';
  if (GLOSSARY_GROUPS.has(prefix)) {
    const e = entry(prefix as Group, code);
    if (e) return e[current];
  }
  const key = `${prefix}_${code}` as Key;
  return key in STRINGS ? STRINGS[key][current] : code;
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  document.documentElement.lang = next;
  localStorage.setItem('hotspot.lang', next);
  applyStatic(document);
  for (const l of listeners) l(next);
}

export function onLangChange(fn: (lang: Lang) => void): void {
  listeners.push(fn);
}

export function initialLang(): Lang {
  const url = new URL(location.href).searchParams.get('lang');
  const saved = url ?? localStorage.getItem('hotspot.lang');
  return saved === 'en' ? 'en' : 'vi';
}

/**
 * Static markup carries `data-i18n="key"` (text), `data-i18n-title`, `data-i18n-aria` and
 * `data-i18n-placeholder`; this fills them for the current language.
 */
export function applyStatic(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n as Key);
  });
  root.querySelectorAll<HTMLElement>('[data-i18n-title]').forEach((el) => {
    el.title = t(el.dataset.i18nTitle as Key);
  });
  root.querySelectorAll<HTMLElement>('[data-i18n-aria]').forEach((el) => {
    el.setAttribute('aria-label', t(el.dataset.i18nAria as Key));
  });
  root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]').forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder as Key);
  });
}

/** Format a number with the conventions of the current language. */
export function fmtNum(n: number, digits = 0): string {
  return n.toLocaleString(current === 'vi' ? 'vi-VN' : 'en-GB', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });
}

/** Format a YYYY-MM month for display: "03/2025" in Vietnamese, "Mar 2025" in English. */
export function fmtMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  if (current === 'vi') return `${String(m).padStart(2, '0')}/${y}`;
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** Format an ISO date (YYYY-MM-DD…) as dd/mm/yyyy (vi) or d Mon yyyy (en). */
export function fmtDate(iso: unknown): string {
  if (typeof iso !== 'string' || iso.length < 10) return iso === null || iso === undefined ? '—' : String(iso);
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return iso;
  if (current === 'vi') return `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}`;
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/**
 * "Dữ liệu đến 19/10/2026": the data's as-of date as the server gives it, a day, or a month
 * for viewers (issue 14: they never learn a report's day), "Dữ liệu đến 10/2026". The top
 * bar and the dashboard both write it with this, so they read alike.
 */
export function fmtAsOf(asOf: unknown): string {
  if (typeof asOf === 'string' && /^\d{4}-\d{2}$/.test(asOf)) return `${t('as_of')} ${fmtMonth(asOf)}`;
  return `${t('as_of')} ${fmtDate(asOf)}`;
}

export function initLang(): void {
  current = initialLang();
  document.documentElement.lang = current;
  applyStatic(document);
}
