"""Service certificates (志愿服务证明): verified hours of a period, issued as a PDF with a
code that anyone may check at /verify/{code}."""
