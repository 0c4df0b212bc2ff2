"""One module per workbook sheet; each exposes ``add_<sheet>_sheet(wb, plan)``."""
